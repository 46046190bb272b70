import ParleyCore

/// The text format of `storage/web-status/<domain>.registrations` (docs/storage.md):
///
///     # parley-web-status 1
///     # comments and blank lines are ignored
///
///     [user alice@example.com]
///     id = 3f9c0d6e2b7a41f8a5c4e1d2b3a49687
///     show-status = yes
///     show-jid = no
///
/// One section per registered user, sorted by address. Parsing is strict: an unknown key,
/// a key twice, a missing `id`, an id used twice or a malformed value is an error that
/// names the line, and the component refuses to start rather than guess.
public enum RegistrationFile {
    public static let header = "# parley-web-status 1"

    /// A line of the file that is not valid, or the file as a whole (line 0).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let line: Int
        public let reason: String
        public var description: String { "\(path):\(line): \(reason)" }
    }

    /// The file's bytes for `table`.
    public static func encode(_ table: RegistrationTable, domain: String) -> [UInt8] {
        var text = header + "\n"
        text += "# The users registered with the web-status component \(domain) (docs/web-status.md).\n"
        for registration in table.all {
            text += "\n[user \(registration.user)]\n"
            text += "id = \(registration.id)\n"
            text += "show-status = \(registration.settings.showStatusMessage ? "yes" : "no")\n"
            text += "show-jid = \(registration.settings.showJID ? "yes" : "no")\n"
        }
        return Array(text.utf8)
    }

    /// Reads a file's bytes; `path` is used in the errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(Problem) -> RegistrationTable {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw Problem(path: path, line: 0, reason: "empty file") }
        var table = RegistrationTable()
        var current: Section?

        func finish(_ section: Section?) throws(Problem) {
            guard let section else { return }
            guard let id = section.id else {
                throw Problem(path: path, line: section.line, reason: "[user \(section.user)] has no id")
            }
            guard !table.containsID(id) else {
                throw Problem(path: path, line: section.line, reason: "id \(id) is used twice")
            }
            table.upsert(StatusRegistration(user: section.user, id: id, settings: section.settings))
        }

        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw Problem(path: path, line: number, reason: "not valid UTF-8")
            }
            if number == 1 {
                guard text == header else {
                    throw Problem(path: path, line: 1, reason: "expected the header '\(header)'")
                }
                continue
            }
            let line = text.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.hasPrefix("[user ") else {
                    throw Problem(path: path, line: number, reason: "expected a section '[user <address>]'")
                }
                let address = line.dropFirst("[user ".count).dropLast().trimmingSpaces
                guard let user = UserID(parsing: String(address)), user.username != nil else {
                    throw Problem(path: path, line: number, reason: "'\(address)' is not a user address")
                }
                guard table[user] == nil, current?.user != user else {
                    throw Problem(path: path, line: number, reason: "\(user) is registered twice")
                }
                try finish(current)
                current = Section(user: user, line: number)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw Problem(path: path, line: number, reason: "expected 'key = value'")
            }
            let key = String(line[..<equals].trimmingSpaces)
            let value = String(line[line.index(after: equals)...].trimmingSpaces)
            guard var section = current else {
                throw Problem(path: path, line: number, reason: "'\(key)' before any [user …] section")
            }
            guard section.seen.insert(key).inserted else {
                throw Problem(path: path, line: number, reason: "'\(key)' is set twice")
            }
            switch key {
            case "id":
                guard StatusRegistration.isValidID(value) else {
                    throw Problem(path: path, line: number, reason: "id must be 16 to 128 characters of [A-Za-z0-9_-]")
                }
                section.id = value
            case "show-status":
                section.settings.showStatusMessage = try flag(value, path: path, line: number)
            case "show-jid":
                section.settings.showJID = try flag(value, path: path, line: number)
            default:
                throw Problem(path: path, line: number, reason: "unknown key '\(key)'")
            }
            current = section
        }
        try finish(current)
        return table
    }

    private struct Section {
        let user: UserID
        let line: Int
        var id: String?
        var settings = PageSettings()
        var seen: Set<String> = []
    }

    private static func flag(_ value: String, path: String, line: Int) throws(Problem) -> Bool {
        switch value {
        case "yes": return true
        case "no": return false
        default: throw Problem(path: path, line: line, reason: "expected yes or no, got '\(value)'")
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: SubSequence {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
