import Foundation
import Logging
import NIOCore
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import Synchronization

/// XEP-0363 HTTP file upload, the service behind the slots: a slot request is checked
/// (name, size, the account's quota) and gets an unguessable id; the file PUT to it is
/// written to `storage/uploads/<id>/` (temporary file, fsync, rename) and served to
/// anyone with the URL until it expires.
final class HTTPUploads: Sendable {
    struct Policy: Sendable {
        /// Largest file (§4: announced as max-file-size).
        var maximumFileBytes: Int
        /// Most bytes one account keeps at once.
        var quotaBytes: Int
        /// Seconds a file is kept.
        var lifetime: TimeInterval
        /// Seconds a slot waits for its PUT.
        var slotLifetime: TimeInterval = 300
    }

    /// A slot asked for and not yet used.
    struct Slot: Sendable {
        let owner: Username
        let name: String
        let size: Int
        let contentType: String
        let expires: Date
    }

    /// A stored file, for the quota and for serving it.
    struct Stored: Sendable {
        let id: String
        let owner: Username
        let name: String
        let size: Int
        let contentType: String
        let created: Date
    }

    let directory: String
    let policy: Policy
    private let logger: Logger
    private let state = Mutex(State())
    /// Slots waiting at most (a client cannot make the server hold unbounded promises),
    /// and for one account.
    static let maximumOpenSlots = 10_000
    static let maximumOpenSlotsPerAccount = 50

    private struct State {
        var slots: [String: Slot] = [:]
        /// Slots whose PUT is under way: their bytes count against the quota until it ends.
        var uploading: [String: Slot] = [:]
        var files: [String: Stored] = [:]
        /// The URL the files are reached at, `http(s)://host:port/upload`, once a listener bound.
        var base: String?
        /// When expired files were last deleted.
        var lastExpiry = Date.distantPast
    }

    init(directory: String, policy: Policy, logger: Logger) throws {
        self.directory = directory
        self.policy = policy
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = Self.load(directory)
        state.withLock { $0.files = files }
    }

    /// Where slots point: the public URL when set, else the listener that bound (HTTPS
    /// preferred, as XEP-0363 §4 requires HTTPS for the PUT).
    func listenerBound(base: String, secure: Bool) {
        state.withLock { state in
            if state.base == nil || secure { state.base = base }
        }
    }

    var isServing: Bool { state.withLock { $0.base != nil } }

    // MARK: Slots (§4)

    /// A slot for `owner`: its PUT and GET URLs; the XEP's errors otherwise.
    func requestSlot(owner: Username, name: String, size: Int, contentType: String?, now: Date = Date()) throws(StanzaError)
        -> (put: String, get: String)
    {
        if let problem = UploadFileName.problem(name) { throw StanzaError(.badRequest, text: problem) }
        // Expired files go at most once an hour, when someone asks for a slot.
        if state.withLock({ state in
            defer { if now.timeIntervalSince(state.lastExpiry) > 3600 { state.lastExpiry = now } }
            return now.timeIntervalSince(state.lastExpiry) > 3600
        }) {
            expire(now: now)
        }
        guard size > 0 else { throw StanzaError(.badRequest, text: "the size must be a positive number of bytes") }
        guard size <= policy.maximumFileBytes else {
            // §5.1: file-too-large with the largest size allowed.
            var tooLarge = XMLElement(name: "file-too-large", namespace: UploadFeature.namespace)
            tooLarge.append(text: String(policy.maximumFileBytes), in: "max-file-size", namespace: UploadFeature.namespace)
            throw StanzaError(
                .notAcceptable, type: .modify, text: "the file is larger than \(policy.maximumFileBytes) bytes",
                applicationCondition: tooLarge)
        }
        let type = UploadFileName.mediaType(contentType) ?? "application/octet-stream"
        let id = MessageID.mint()
        let base: String = try state.withLock { state throws(StanzaError) in
            guard let base = state.base else { throw StanzaError(.serviceUnavailable, text: "no HTTP listener serves uploads") }
            state.slots = state.slots.filter { $0.value.expires > now }
            let open = state.slots.values.filter { $0.owner == owner }
            let used = state.files.values.filter { $0.owner == owner }.reduce(0) { $0 + $1.size }
                + open.reduce(0) { $0 + $1.size } + state.uploading.values.filter { $0.owner == owner }.reduce(0) { $0 + $1.size }
            guard open.count < Self.maximumOpenSlotsPerAccount else {
                throw StanzaError(.resourceConstraint, type: .wait, text: "too many slots waiting for their upload")
            }
            // §5.2 quota: resource-constraint, wait (it frees as files expire).
            guard used + size <= policy.quotaBytes else {
                throw StanzaError(.resourceConstraint, type: .wait, text: "your \(policy.quotaBytes)-byte upload quota is full")
            }
            guard state.slots.count < Self.maximumOpenSlots else { throw StanzaError(.resourceConstraint, type: .wait) }
            state.slots[id] = Slot(owner: owner, name: name, size: size, contentType: type, expires: now.addingTimeInterval(policy.slotLifetime))
            return base
        }
        let url = "\(base)/\(id)/\(UploadFileName.urlSegment(name))"
        return (url, url)
    }

    // MARK: HTTP

    /// The slot `id` for a PUT of `name` with `length` bytes, taken so no second PUT uses
    /// it; the HTTP status that refuses it otherwise.
    func takeSlot(_ id: String, name: String, length: Int?, contentType: String?, now: Date = Date()) -> Result<Slot, HTTPRefusal> {
        state.withLock { state in
            guard let slot = state.slots[id], slot.name == name, slot.expires > now else {
                return .failure(state.files[id] != nil || state.uploading[id] != nil ? .conflict : .notFound)
            }
            // §6: the Content-Length must be the size given in the request.
            guard length == slot.size else { return .failure(.lengthMismatch) }
            if let contentType, UploadFileName.mediaType(contentType) != slot.contentType { return .failure(.typeMismatch) }
            state.slots[id] = nil
            state.uploading[id] = slot
            return .success(slot)
        }
    }

    enum HTTPRefusal: Error { case notFound, conflict, lengthMismatch, typeMismatch, tooLarge, failed }

    /// Writes the PUT body: exactly `slot.size` bytes, or nothing is kept.
    func store<Body: AsyncSequence>(_ body: Body, id: String, slot: Slot, now: Date = Date()) async -> Result<Void, HTTPRefusal>
    where Body.Element == ByteBuffer {
        defer { state.withLock { $0.uploading[id] = nil } }
        let folder = "\(directory)/\(id)"
        let temporary = "\(folder)/.upload"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary)
            else { throw HTTPRefusal.failed }
            var written = 0
            do {
                for try await buffer in body {
                    written += buffer.readableBytes
                    guard written <= slot.size else { throw HTTPRefusal.tooLarge }
                    try handle.write(contentsOf: buffer.readableBytesView)
                }
                guard written == slot.size else { throw HTTPRefusal.lengthMismatch }
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            let meta = "owner=\(StorageText.escape(slot.owner.value))\nname=\(StorageText.escape(slot.name))\nsize=\(slot.size)\ntype=\(slot.contentType)\ncreated=\(Int(now.timeIntervalSince1970))\n"
            try StorageFile.write(Array(meta.utf8), to: "\(folder)/meta")
            guard rename(temporary, "\(folder)/file") == 0 else { throw HTTPRefusal.failed }
            try? StorageFile.write([], to: "\(folder)/.synced")  // fsyncs the folder after the rename
            _ = try? StorageFile.remove("\(folder)/.synced")
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            return .failure(error as? HTTPRefusal ?? .failed)
        }
        let stored = Stored(id: id, owner: slot.owner, name: slot.name, size: slot.size, contentType: slot.contentType, created: now)
        state.withLock { $0.files[id] = stored }
        logger.info("file uploaded", metadata: ["user": "\(slot.owner)", "bytes": "\(slot.size)"])
        return .success(())
    }

    /// The stored file `id` named `name`, with where it is.
    func file(_ id: String, name: String) -> (Stored, path: String)? {
        guard let stored = state.withLock({ $0.files[id] }), stored.name == name else { return nil }
        return (stored, "\(directory)/\(id)/file")
    }

    /// Deletes the files older than the policy's lifetime.
    func expire(now: Date = Date()) {
        let expired = state.withLock { state in
            let old = state.files.values.filter { now.timeIntervalSince($0.created) > policy.lifetime }.map(\.id)
            for id in old { state.files[id] = nil }
            return old
        }
        for id in expired { try? FileManager.default.removeItem(atPath: "\(directory)/\(id)") }
        if !expired.isEmpty { logger.info("expired uploads deleted", metadata: ["count": "\(expired.count)"]) }
    }

    /// The files stored by an earlier run; a folder without its meta or file (a PUT cut
    /// short) is deleted.
    private static func load(_ directory: String) -> [String: Stored] {
        var files: [String: Stored] = [:]
        for id in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let folder = "\(directory)/\(id)"
            guard let bytes = try? StorageFile.read("\(folder)/meta", limit: 4096),
                FileManager.default.fileExists(atPath: "\(folder)/file")
            else {
                try? FileManager.default.removeItem(atPath: folder)
                continue
            }
            var fields: [String: String] = [:]
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = StorageText.unescape(line[line.index(after: equals)...])
            }
            guard let owner = fields["owner"].flatMap(Username.init), let name = fields["name"], let size = fields["size"].flatMap(Int.init),
                let type = fields["type"], let created = fields["created"].flatMap(Double.init)
            else { continue }
            files[id] = Stored(id: id, owner: owner, name: name, size: size, contentType: type, created: Date(timeIntervalSince1970: created))
        }
        return files
    }
}
