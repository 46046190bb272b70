import Foundation

/// The chat page's files (`index.html`, `chat.css`, `chat.js`): built into the binary
/// (SwiftPM `embedInCode` resources, so a release binary needs no resource folder), or read
/// once at start from the folder `http-chat-page-dir` names. Only these three names are
/// ever served, so no request path reaches the file system.
struct ChatPageFiles: Sendable {
    /// One file as served: its bytes, its media type and its entity tag.
    struct File: Sendable {
        let body: [UInt8]
        let contentType: String
        /// RFC 9110 §8.8.3: a strong validator, from the bytes (FNV-1a, 64 bits).
        let etag: String
    }

    /// File name → media type (RFC 9239 for JavaScript).
    static let contentTypes = [
        "index.html": "text/html; charset=utf-8",
        "chat.css": "text/css; charset=utf-8",
        "chat.js": "text/javascript; charset=utf-8",
    ]

    let files: [String: File]

    /// The page compiled into `parleyd`.
    static let builtIn = ChatPageFiles(contents: [
        "index.html": PackageResources.index_html,
        "chat.css": PackageResources.chat_css,
        "chat.js": PackageResources.chat_js,
    ])

    /// The three files of `directory`; a missing or unreadable one is an error at start.
    init(directory: String) throws {
        var contents: [String: [UInt8]] = [:]
        for name in Self.contentTypes.keys {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ChatPageError.missingFile(path)
            }
            contents[name] = Array(data)
        }
        self.init(contents: contents)
    }

    private init(contents: [String: [UInt8]]) {
        var files: [String: File] = [:]
        for (name, body) in contents {
            files[name] = File(body: body, contentType: Self.contentTypes[name] ?? "application/octet-stream", etag: Self.etag(body))
        }
        self.files = files
    }

    /// Total bytes of the page (what a first visit downloads, before headers).
    var totalBytes: Int { files.values.reduce(0) { $0 + $1.body.count } }

    static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }
}

/// Why `http-chat-page-dir` cannot be served.
enum ChatPageError: Error, CustomStringConvertible {
    case missingFile(String)

    var description: String {
        switch self {
        case .missingFile(let path): "cannot read \(path) (the folder needs index.html, chat.css and chat.js)"
        }
    }
}
