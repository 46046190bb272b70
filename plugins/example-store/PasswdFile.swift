import Glibc
import ParleyCore

/// The contents of a passwd file: `name:hash` lines, the hash in crypt(3) format, `#`
/// comments and blank lines skipped.
struct PasswdFile: Sendable {
    /// A line that cannot be used, as "PATH:LINE: reason".
    struct LineError: Error, CustomStringConvertible {
        let description: String
    }

    /// The stored hash of each user, by normalized name.
    let hashes: [Username: String]

    /// Largest file read, so that a wrong path (a device, a huge log) cannot eat memory.
    static let maximumBytes = 16 << 20

    /// Parses `text`; `path` only names the file in errors.
    init(parsing text: String, path: String) throws(LineError) {
        var hashes: [Username: String] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func refuse(_ reason: String) -> LineError { LineError(description: "\(path):\(offset + 1): \(reason)") }
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            guard let colon = line.firstIndex(of: ":") else { throw refuse("expected name:hash") }
            let name = String(line[..<colon])
            let hash = String(line[line.index(after: colon)...])
            guard let user = Username(name) else { throw refuse("'\(name.prefix(64))' is not a valid user name") }
            guard hashes[user] == nil else { throw refuse("duplicate user '\(user)'") }
            if let problem = Crypt.problem(with: hash) { throw refuse(problem) }
            hashes[user] = hash
        }
        self.hashes = hashes
    }

    /// Reads and parses the file at `path`.
    static func read(_ path: String) throws(PasswdFileError) -> (file: PasswdFile, stamp: FileStamp) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .unreadable("cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable("\(path) is not a regular file") }
        guard Int(status.st_size) <= maximumBytes else { throw .unreadable("\(path) is larger than 16 MiB") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= maximumBytes else { throw .unreadable("\(path) is larger than 16 MiB") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .unreadable("\(path) is not UTF-8") }
        do {
            return (try PasswdFile(parsing: text, path: path), FileStamp(status))
        } catch {
            throw .badLine(error.description)
        }
    }
}

/// Why a passwd file could not be used.
enum PasswdFileError: Error, CustomStringConvertible {
    /// Missing, unreadable, not a regular file, too large or not UTF-8.
    case unreadable(String)
    /// A line that is not `name:hash` with a usable hash: "PATH:LINE: reason".
    case badLine(String)

    var description: String {
        switch self {
        case .unreadable(let text), .badLine(let text): text
        }
    }
}

/// What tells a changed file from the one read before: its identity, size and mtime (a
/// file replaced by rename has a new inode even when size and mtime match).
struct FileStamp: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        seconds = status.st_mtim.tv_sec
        nanoseconds = status.st_mtim.tv_nsec
    }

    /// The stamp of the file now at `path`, or nil when it cannot be stat'ed.
    static func current(_ path: String) -> FileStamp? {
        var status = stat()
        return stat(path, &status) == 0 ? FileStamp(status) : nil
    }
}
