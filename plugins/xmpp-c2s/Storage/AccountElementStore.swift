import Foundation
import ParleyCore
import ParleyCred
import ParleyXML

/// One XML element per account and key, as human-readable files (docs/storage.md):
/// `<directory>/<account>/<key>.xml`, each replaced atomically. Keeps an account's vCard
/// (XEP-0054, key `vcard`) and its private XML (XEP-0049, one key per namespace and name).
final class AccountElementStore: Sendable {
    let directory: String
    /// Largest element kept (and read).
    let maximumBytes: Int

    /// Most keys one account keeps (one file each).
    let maximumKeys: Int

    init(directory: String, maximumBytes: Int, maximumKeys: Int = 100) {
        self.directory = directory
        self.maximumBytes = maximumBytes
        self.maximumKeys = maximumKeys
    }

    struct TooLarge: Error {
        let limit: Int
    }

    /// The account already keeps `limit` keys and this would be one more.
    struct TooMany: Error {
        let limit: Int
    }

    private func path(_ user: Username, _ key: String) -> String {
        "\(directory)/\(FileSafeName.encode(user))/\(FileSafeName.encode(name: key)).xml"
    }

    /// The element stored for `user` under `key`, nil when none is.
    func element(of user: Username, key: String) async throws -> XMLElement? {
        let file = path(user, key)
        let limit = maximumBytes
        return try await Task.detached { () throws -> XMLElement? in
            guard let bytes = try StorageFile.read(file, limit: limit + 1024) else { return nil }
            var limits = XMLLimits.default
            limits.maxStanzaBytes = limit + 1024
            return try XMLStreamParser.parseDocument(bytes, limits: limits)
        }.value
    }

    /// Stores `element` for `user` under `key`; `TooLarge` past `maximumBytes`, and then
    /// what was stored before stays.
    func store(_ element: XMLElement, of user: Username, key: String) async throws {
        var bytes = Array("<?xml version='1.0' encoding='UTF-8'?>\n".utf8)
        XMLSerializer.write(element, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        guard bytes.count <= maximumBytes else { throw TooLarge(limit: maximumBytes) }
        let file = path(user, key)
        let folder = "\(directory)/\(FileSafeName.encode(user))"
        let limit = maximumKeys
        try await Task.detached { [bytes] in
            if !FileManager.default.fileExists(atPath: file),
                ((try? FileManager.default.contentsOfDirectory(atPath: folder))?.count ?? 0) >= limit
            {
                throw TooMany(limit: limit)
            }
            try StorageFile.write(bytes, to: file)
        }.value
    }

    /// Removes everything kept for `user` (the account was removed).
    func removeAll(of user: Username) {
        let folder = "\(directory)/\(FileSafeName.encode(user))"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names { _ = try? StorageFile.remove("\(folder)/\(name)") }
        rmdir(folder)
    }
}
