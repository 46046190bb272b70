#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies one version of a file: a rename gives a new inode, an edit in place a
/// new size or modification time (with nanoseconds) or change time.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: (seconds: Int64, nanoseconds: Int64)
    var changed: (seconds: Int64, nanoseconds: Int64)

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = (Int64(info.st_mtimespec.tv_sec), Int64(info.st_mtimespec.tv_nsec))
        changed = (Int64(info.st_ctimespec.tv_sec), Int64(info.st_ctimespec.tv_nsec))
        #else
        modified = (Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))
        changed = (Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec))
        #endif
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size && a.modified == b.modified
            && a.changed == b.changed
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(inode)
        hasher.combine(size)
        hasher.combine(modified.nanoseconds)
    }
}

/// Thin wrappers over the system calls the flat-file store needs.
enum Posix {
    static func errorString(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The identity of the file at `path`; nil when it does not exist.
    static func identity(_ path: String) throws(StoreError) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io(operation: "stat", path: path, errno: code)
        }
        return FileIdentity(info)
    }

    /// Reads the whole file and the identity of what was read; nil when it does not
    /// exist. Files over `limit` bytes are refused unread.
    static func readFile(_ path: String, limit: Int) throws(StoreError) -> (bytes: [UInt8], identity: FileIdentity)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: code)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        guard Int(info.st_size) <= limit else {
            throw .corruptFile(path: path, line: 0, reason: "file larger than \(limit) bytes")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(4096, Int(info.st_size) + 1))
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= limit else {
                throw .corruptFile(path: path, line: 0, reason: "file larger than \(limit) bytes")
            }
        }
        return (bytes, FileIdentity(info))
    }

    /// Replaces `path` atomically: writes `<path>.tmp-<pid>-<random>` in the same
    /// directory, fsyncs it, renames it over `path` and fsyncs the directory. A crash at
    /// any point leaves either the old file or the new one, never a mix; the temporary
    /// file is removed on failure.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(StoreError) -> FileIdentity {
        let temporary = "\(path).tmp-\(getpid())-\(Bytes.hex(Bytes.random(6)))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "create", path: temporary, errno: errno) }
        var closed = false
        do throws(StoreError) {
            try writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: temporary, errno: errno) }
            closed = true
            guard close(fd) == 0 else { throw .io(operation: "close", path: temporary, errno: errno) }
            guard rename(temporary, path) == 0 else { throw .io(operation: "rename", path: temporary, errno: errno) }
            try syncDirectory(directory)
            // The rename may change ctime: take the identity from the final name.
            guard let identity = try identity(path) else { throw .io(operation: "stat", path: path, errno: ENOENT) }
            return identity
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    /// Writes all of `bytes` to `fd` (retrying short writes and interruptions).
    static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(StoreError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            written += count
        }
    }

    /// Opens `path` for appending, creating it (mode 0600) when missing.
    static func openForAppend(_ path: String) throws(StoreError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return fd
    }

    static func closeFile(_ fd: Int32) {
        close(fd)
    }

    /// Makes a rename or unlink in `directory` durable.
    static func syncDirectory(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: directory, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: directory, errno: errno) }
    }

    /// Removes `path`; false when it did not exist.
    static func remove(_ path: String) throws(StoreError) -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw .io(operation: "unlink", path: path, errno: errno)
        }
        return true
    }

    /// Creates `path` (mode 0700) and missing parents unless it exists.
    static func makeDirectory(_ path: String) throws(StoreError) {
        if mkdir(path, 0o700) == 0 { return }
        var code = errno
        if code == ENOENT {
            var parent = path
            while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
            if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
                try makeDirectory(String(parent[..<slash]))
                if mkdir(path, 0o700) == 0 { return }
                code = errno
            }
        }
        var info = stat()
        guard code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .io(operation: "mkdir", path: path, errno: code == EEXIST ? ENOTDIR : code)
        }
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created when missing). Each
    /// call opens its own descriptor, so two holders in one process exclude each other
    /// too; the lock goes with the descriptor when the process dies.
    static func withFileLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw StoreError.io(operation: "flock", path: path, errno: errno) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Whether `path` is a directory (false when it does not exist).
    static func isDirectory(_ path: String) throws(StoreError) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw .io(operation: "stat", path: path, errno: errno)
        }
        return info.st_mode & S_IFMT == S_IFDIR
    }

    /// Removes the directory `path` and everything in it (symbolic links are removed, not
    /// followed); nothing happens when it does not exist.
    static func removeTree(_ path: String) throws(StoreError) {
        guard try isDirectory(path) else {
            _ = try remove(path)
            return
        }
        for name in try directoryEntries(path) where name != "." && name != ".." {
            try removeTree("\(path)/\(name)")
        }
        guard rmdir(path) == 0 || errno == ENOENT else { throw .io(operation: "rmdir", path: path, errno: errno) }
    }

    /// The names in directory `path`.
    static func directoryEntries(_ path: String) throws(StoreError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            names.append(name)
        }
        return names
    }
}
