import Foundation
import Logging
import ParleyCore
import Synchronization

/// The files behind an archive (docs/storage.md): one folder per archive (a room's, a
/// user's) under one directory, holding numbered segments `1.log`, `2.log`, … of one line
/// per message. Shared by `FlatFileRoomArchive` and `FlatFileUserArchive`.
///
/// Each line is appended with one `write`, so a process killed at any moment loses at most
/// the line being written (a torn last line is skipped when read). Nothing is ever
/// rewritten: a segment holds a quarter of the retention limit, and the oldest segments
/// are deleted once the newer ones hold `maxMessages` (and, with `maxAge`, once their
/// newest message is older than that).
final class ArchiveSegments: Sendable {
    /// The folder holding one folder per archive.
    let directory: String
    /// Most messages kept per archive.
    let maxMessages: Int
    /// Oldest message kept, in seconds; nil for no age limit.
    let maxAge: TimeInterval?
    let segmentLines: Int
    let clock: @Sendable () -> Date

    /// The segment an archive appends to, and the segments it has.
    private struct Log {
        var fd: Int32
        var segments: [Int]
        var lines: Int
    }
    private let logs = Mutex<[String: Log]>([:])
    /// Archives kept open for appending at once; the least recently opened beyond it close.
    static let maximumOpenLogs = 256
    /// Largest segment read (a segment past it was not written by this archive).
    static let maximumSegmentBytes = 64 * 1024 * 1024
    static let header = "# parley-archive 1"

    init(directory: String, maxMessages: Int, maxAge: TimeInterval?, clock: @escaping @Sendable () -> Date) throws(StoreError) {
        self.directory = directory
        self.maxMessages = max(1, maxMessages)
        self.maxAge = maxAge
        self.segmentLines = max(1, self.maxMessages / 4)
        self.clock = clock
        try Posix.makeDirectory(directory)
    }

    deinit {
        for log in logs.withLock({ $0.values }) { Posix.closeFile(log.fd) }
    }

    /// `<directory>/<name>/`.
    func folder(_ name: String) -> String { "\(directory)/\(name)" }

    /// Appends one line (without its line break) to the archive `name`.
    func append(_ line: String, to name: String) throws(StoreError) {
        let bytes = Array((line + "\n").utf8)
        try logs.withLock { logs throws(StoreError) in
            var log: Log
            if let open = logs[name] { log = open } else { log = try self.open(name) }
            if log.lines >= segmentLines {
                Posix.closeFile(log.fd)
                log = try rotate(name, log)
            }
            try Posix.writeAll(bytes, to: log.fd, path: folder(name))
            log.lines += 1
            logs[name] = log
            if logs.count > Self.maximumOpenLogs, let oldest = logs.keys.first(where: { $0 != name }) {
                Posix.closeFile(logs.removeValue(forKey: oldest)!.fd)
            }
        }
    }

    /// Every line of the archive `name` that `decode` turns into a message, oldest first,
    /// within the retention limits.
    func messages(of name: String, decode: (Substring) -> ArchivedMessage?) throws(ArchiveQueryError) -> [ArchivedMessage] {
        let folder = folder(name)
        var messages: [ArchivedMessage] = []
        do {
            for segment in try segments(in: folder) {
                guard let bytes = try Posix.readFile("\(folder)/\(segment).log", limit: Self.maximumSegmentBytes)?.bytes else {
                    continue
                }
                let text = String(decoding: bytes, as: UTF8.self)
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    if let message = decode(line) { messages.append(message) }
                }
            }
        } catch {
            throw .unavailable("\(error)")
        }
        if let maxAge {
            let oldest = clock().addingTimeInterval(-maxAge)
            messages.removeAll { $0.at < oldest }
        }
        return Array(messages.suffix(maxMessages))
    }

    /// Deletes the archive `name`'s segments, and its folder when nothing else is in it.
    func remove(_ name: String) {
        logs.withLock { logs in
            if let log = logs.removeValue(forKey: name) { Posix.closeFile(log.fd) }
            let folder = folder(name)
            for segment in (try? segments(in: folder)) ?? [] { _ = try? Posix.remove("\(folder)/\(segment).log") }
            rmdir(folder)
        }
    }

    private func segments(in folder: String) throws(StoreError) -> [Int] {
        guard (try? Posix.identity(folder)) != nil else { return [] }
        return try Posix.directoryEntries(folder).compactMap { name in
            name.hasSuffix(".log") ? Int(name.dropLast(4)) : nil
        }.filter { $0 > 0 }.sorted()
    }

    /// Opens the archive's newest segment for appending, counting its lines.
    private func open(_ name: String) throws(StoreError) -> Log {
        let folder = folder(name)
        try Posix.makeDirectory(folder)
        let segments = try segments(in: folder)
        guard let last = segments.last else {
            return try rotate(name, Log(fd: -1, segments: [], lines: 0))
        }
        let path = "\(folder)/\(last).log"
        let bytes = try Posix.readFile(path, limit: Self.maximumSegmentBytes)?.bytes ?? []
        let lines = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } - 1
        let fd = try Posix.openForAppend(path)
        if let lastByte = bytes.last, lastByte != UInt8(ascii: "\n") {
            // A torn last line (the process died while writing it): end it, so the next
            // message starts on a line of its own; readers skip the torn one.
            try Posix.writeAll([UInt8(ascii: "\n")], to: fd, path: path)
        }
        if bytes.isEmpty {
            try Posix.writeAll(Array((Self.header + "\n").utf8), to: fd, path: path)
        }
        return Log(fd: fd, segments: segments, lines: max(0, lines))
    }

    /// Starts a new segment, and deletes the oldest ones beyond the retention limits.
    private func rotate(_ name: String, _ log: Log) throws(StoreError) -> Log {
        let folder = folder(name)
        let next = (log.segments.last ?? 0) + 1
        let path = "\(folder)/\(next).log"
        let fd = try Posix.openForAppend(path)
        try Posix.writeAll(Array((Self.header + "\n").utf8), to: fd, path: path)
        var segments = log.segments + [next]
        // Full segments before the new one hold `segmentLines` each: keep as many as make
        // up `maxMessages`.
        let keep = (maxMessages + segmentLines - 1) / segmentLines + 1
        while segments.count > keep {
            _ = try Posix.remove("\(folder)/\(segments.removeFirst()).log")
        }
        if let maxAge {
            let oldest = clock().addingTimeInterval(-maxAge)
            while segments.count > 1, let first = segments.first, newestDate(in: "\(folder)/\(first).log").map({ $0 < oldest }) ?? true {
                _ = try Posix.remove("\(folder)/\(first).log")
                segments.removeFirst()
            }
        }
        try Posix.syncDirectory(folder)
        return Log(fd: fd, segments: segments, lines: 0)
    }

    private func newestDate(in path: String) -> Date? {
        guard let bytes = try? Posix.readFile(path, limit: Self.maximumSegmentBytes)?.bytes else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n").reversed() {
            guard let field = line.split(separator: "\t").first(where: { $0.hasPrefix("at=") }) else { continue }
            if let date = ISODate.date(String(field.dropFirst(3))) { return date }
        }
        return nil
    }
}
