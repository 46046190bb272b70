import Foundation
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import Synchronization

/// Messages kept for users who were offline (RFC 6121 §8.5.2.2, XEP-0160), one
/// human-readable XML file per user under `storage/offline/`, each message stamped with
/// XEP-0203 delay. Files are replaced atomically under a file lock; a user's messages are
/// removed once handed to a session.
final class OfflineStore: Sendable {
    let directory: String
    let limit: Int
    /// Bytes read from one user's file at most.
    static let maximumFileBytes = 8 << 20
    static let rootName = "offline"
    static let rootNamespace = "urn:parley:offline:0"

    struct Full: Error {
        let limit: Int
    }

    init(directory: String, limit: Int) {
        self.directory = directory
        self.limit = limit
    }

    private func path(_ user: Username) -> String { "\(directory)/\(FileSafeName.encode(user)).xml" }

    /// Appends `stanza` (already addressed) with a delay stamp.
    func store(_ stanza: XMLElement, for user: Username, stamp: Date, from domain: String) async throws {
        var stamped = stanza
        stamped.append(Delay(stamp: stamp, from: JID(localpart: nil, domain: domain)).element)
        let stanza = stamped
        try await blocking { [self] in
            try self.update(user) { messages in
                guard messages.count < self.limit else { throw Full(limit: self.limit) }
                messages.append(stanza)
            }
        }
    }

    /// Removes and returns every stored message of `user`, oldest first.
    func take(for user: Username) async throws -> [XMLElement] {
        try await blocking { [self] in
            var taken: [XMLElement] = []
            try self.update(user) { messages in
                taken = messages
                messages = []
            }
            return taken
        }
    }

    /// Read-modify-write of one user's file under its lock; an empty list removes it.
    private func update(_ user: Username, _ change: (inout [XMLElement]) throws -> Void) throws {
        let file = path(user)
        try StorageFile.withLock(file + ".lock") {
            var messages = try read(file)
            let before = messages.count
            try change(&messages)
            if messages.isEmpty {
                if before > 0 { try StorageFile.remove(file) }
                return
            }
            var root = XMLElement(name: Self.rootName, namespace: Self.rootNamespace)
            for message in messages {
                root.append(text: "\n")
                root.append(message)
            }
            root.append(text: "\n")
            var bytes = Array("<?xml version='1.0' encoding='UTF-8'?>\n".utf8)
            XMLSerializer.write(root, into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
            try StorageFile.write(bytes, to: file)
        }
    }

    private func read(_ file: String) throws -> [XMLElement] {
        guard let bytes = try StorageFile.read(file, limit: Self.maximumFileBytes) else { return [] }
        var limits = XMLLimits.default
        limits.maxStanzaBytes = Self.maximumFileBytes
        let root = try XMLStreamParser.parseDocument(bytes, limits: limits)
        return root.elements
    }

    private func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Task.detached { try work() }.value
    }
}
