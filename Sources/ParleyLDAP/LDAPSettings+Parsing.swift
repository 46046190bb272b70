import Foundation

/// Why an `ldap:` argument was refused. Every case names the key at fault, so the operator
/// knows which part of `key=value;key=value;…` to fix.
public enum LDAPSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The argument is empty.
    case empty
    /// An entry has no `=` between key and value.
    case missingEquals(entry: String)
    /// The key is not one of `known`.
    case unknownKey(String, known: [String])
    /// The key appears twice.
    case duplicateKey(String)
    /// The value of `key` is not what the key takes; `expected` says what it takes.
    case badValue(key: String, value: String, expected: String)
    /// A required key is absent; `detail` says why it is needed.
    case missingKey(String, detail: String)
    /// `key` cannot be combined with what `detail` describes.
    case conflict(key: String, detail: String)
    /// A file named by `key` cannot be read.
    case unreadableFile(key: String, path: String, detail: String)

    /// The key the error is about (nil for an empty argument or an entry without `=`).
    public var key: String? {
        switch self {
        case .empty, .missingEquals: nil
        case .unknownKey(let key, _), .duplicateKey(let key), .missingKey(let key, _): key
        case .badValue(let key, _, _), .conflict(let key, _), .unreadableFile(let key, _, _): key
        }
    }

    public var description: String {
        switch self {
        case .empty:
            "empty settings; expected key=value;key=value;… with at least uri and base or dn-template (docs/ldap.md)"
        case .missingEquals(let entry):
            "'\(entry.prefix(64))' is not key=value"
        case .unknownKey(let key, let known):
            "unknown key '\(key.prefix(64))'; known keys: \(known.joined(separator: ", "))"
        case .duplicateKey(let key):
            "\(key): given twice"
        case .badValue(let key, let value, let expected):
            "\(key): '\(value.prefix(128))' is not \(expected)"
        case .missingKey(let key, let detail):
            "\(key): missing; \(detail)"
        case .conflict(let key, let detail):
            "\(key): \(detail)"
        case .unreadableFile(let key, let path, let detail):
            "\(key): cannot read '\(path)': \(detail)"
        }
    }
}

extension LDAPSettings {
    /// Every key of the `ldap:` argument, in the order docs/ldap.md lists them.
    public static let knownKeys = [
        "uri", "starttls", "ca-file", "tls-verify",
        "bind-dn", "bind-password", "bind-password-file",
        "base", "filter", "user-attribute", "dn-template", "name-attribute",
        "pool", "connect-timeout", "timeout", "retry", "max-waiting", "size-limit",
        "group-base", "group-filter", "group-name-attribute", "member-attribute", "member-format", "group-refresh",
    ]

    /// The range each numeric key accepts.
    static let poolRange = 1...64
    static let maxWaitingRange = 0...1_000_000
    static let sizeLimitRange = 1...1_000_000
    static let connectTimeoutRange = 0.1...600.0
    static let timeoutRange = 0.1...3600.0
    static let retryRange = 0.0...3600.0
    static let groupRefreshRange = 1.0...86_400.0

    /// Reads the argument of `ldap:`: `key=value` entries separated by `;`. A value runs to
    /// the next `;` and may hold `=` and `,` (DNs, filters); whitespace (line breaks too)
    /// around keys and around every value but `bind-password` is dropped; empty entries
    /// are skipped.
    public init(parsing argument: String) throws(LDAPSettingsError) {
        var values: [String: String] = [:]
        for entry in argument.split(separator: ";", omittingEmptySubsequences: true) {
            guard !entry.allSatisfy(\.isWhitespace) else { continue }
            guard let equals = entry.firstIndex(of: "=") else { throw .missingEquals(entry: String(entry)) }
            let key = entry[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            guard Self.knownKeys.contains(key) else { throw .unknownKey(key, known: Self.knownKeys) }
            guard values[key] == nil else { throw .duplicateKey(key) }
            let raw = String(entry[entry.index(after: equals)...])
            values[key] = key == "bind-password" ? raw : raw.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !values.isEmpty else { throw .empty }
        var reader = Reader(values: values)
        self = try reader.settings()
    }
}

/// Turns the key/value map into settings, one key at a time.
private struct Reader {
    var values: [String: String]

    func string(_ key: String) throws(LDAPSettingsError) -> String? {
        guard let value = values[key] else { return nil }
        guard !value.isEmpty else { throw .badValue(key: key, value: value, expected: "a value (leave the key out rather than give it empty)") }
        return value
    }

    func flag(_ key: String) throws(LDAPSettingsError) -> Bool? {
        guard let value = try string(key) else { return nil }
        switch value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw .badValue(key: key, value: value, expected: "yes or no")
        }
    }

    func whole(_ key: String, _ range: ClosedRange<Int>) throws(LDAPSettingsError) -> Int? {
        guard let value = try string(key) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw .badValue(
                key: key, value: value, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func seconds(_ key: String, _ range: ClosedRange<Double>) throws(LDAPSettingsError) -> Double? {
        guard let value = try string(key) else { return nil }
        guard let number = Double(value), number.isFinite, range.contains(number) else {
            throw .badValue(
                key: key, value: value,
                expected: "a number of seconds from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return number
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// An attribute description without options (RFC 4512 §2.5): a name (letter, then
    /// letters, digits, `-`) or a numeric OID.
    func attribute(_ key: String) throws(LDAPSettingsError) -> String? {
        guard let value = try string(key) else { return nil }
        let bytes = Array(value.utf8)
        let isName =
            bytes.first.map(Self.isLetter) == true && bytes.allSatisfy { Self.isLetter($0) || Self.isDigit($0) || $0 == 0x2D }
        let isOID =
            value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && $0.utf8.allSatisfy(Self.isDigit)
            }
        guard isName || isOID else {
            throw .badValue(key: key, value: value, expected: "an attribute name (letters, digits, '-') or OID")
        }
        return value
    }

    /// A filter in parentheses with balanced, unescaped parentheses (RFC 4515 §3; a `(` or
    /// `)` inside a value is written `\28` / `\29`).
    func filter(_ key: String, needsPlaceholder: Bool) throws(LDAPSettingsError) -> String? {
        guard let value = try string(key) else { return nil }
        guard value.hasPrefix("("), value.hasSuffix(")") else {
            throw .badValue(key: key, value: value, expected: "a filter in parentheses, such as (uid=%u)")
        }
        var depth = 0
        for byte in value.utf8 {
            if byte == UInt8(ascii: "(") { depth += 1 }
            if byte == UInt8(ascii: ")") {
                depth -= 1
                guard depth >= 0 else { break }
            }
        }
        guard depth == 0 else {
            throw .badValue(key: key, value: value, expected: "a filter with balanced parentheses")
        }
        if needsPlaceholder, !value.contains("%u") {
            throw .badValue(key: key, value: value, expected: "a filter containing %u (the user name)")
        }
        return value
    }

    /// `ldap://host[:port][/]` or `ldaps://…` (RFC 4516 §2 without DN, attributes or
    /// extensions: those come from other keys).
    func uri() throws(LDAPSettingsError) -> String {
        guard let value = try string("uri") else {
            throw .missingKey("uri", detail: "the server, as ldap://host[:port] or ldaps://host[:port]")
        }
        let lower = value.lowercased()
        let scheme = ["ldap://", "ldaps://"].first { lower.hasPrefix($0) }
        guard let scheme else {
            throw .badValue(key: "uri", value: value, expected: "an ldap:// or ldaps:// URI")
        }
        var rest = Substring(value.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains(where: { "/?#".contains($0) || $0.isWhitespace }) else {
            throw .badValue(
                key: "uri", value: value,
                expected: "ldap://host[:port] or ldaps://host[:port] (no DN, attributes or spaces: use base and the other keys)")
        }
        // The port is what follows the last ':' outside an IPv6 literal `[…]`.
        let hostEnd = rest.lastIndex(of: "]") ?? rest.startIndex
        if let colon = rest[hostEnd...].lastIndex(of: ":") {
            let port = rest[rest.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                throw .badValue(key: "uri", value: value, expected: "a URI with a port from 1 to 65535")
            }
        }
        return value
    }

    /// The first line of `bind-password-file`.
    func passwordFile() throws(LDAPSettingsError) -> String? {
        guard let path = try string("bind-password-file") else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedDescription
            throw .unreadableFile(key: "bind-password-file", path: path, detail: reason)
        }
        guard let text = String(data: data.prefix(65_536), encoding: .utf8) else {
            throw .unreadableFile(key: "bind-password-file", path: path, detail: "not UTF-8 text")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        guard !password.isEmpty else {
            throw .unreadableFile(key: "bind-password-file", path: path, detail: "the first line is empty")
        }
        return password
    }

    func readableFile(_ key: String) throws(LDAPSettingsError) -> String? {
        guard let path = try string(key) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadableFile(key: key, path: path, detail: "missing or not readable")
        }
        return path
    }

    mutating func settings() throws(LDAPSettingsError) -> LDAPSettings {
        var settings = LDAPSettings(uri: try uri())

        // Server and TLS.
        if let startTLS = try flag("starttls") {
            if startTLS, settings.isLDAPS {
                throw .conflict(key: "starttls", detail: "cannot be used with an ldaps:// uri (TLS is already on)")
            }
            settings.startTLS = startTLS
        }
        settings.caFile = try readableFile("ca-file")
        if let verify = try flag("tls-verify") { settings.verifyCertificate = verify }

        // Service account.
        settings.bindDN = try string("bind-dn")
        if values["bind-password"] != nil, values["bind-password-file"] != nil {
            throw .conflict(key: "bind-password-file", detail: "give bind-password or bind-password-file, not both")
        }
        if let password = values["bind-password"] {
            guard !password.isEmpty else {
                throw .badValue(key: "bind-password", value: "", expected: "a password (leave bind-dn and bind-password out for anonymous searches)")
            }
            settings.bindPassword = password
        }
        if let password = try passwordFile() { settings.bindPassword = password }
        if settings.bindPassword != nil, settings.bindDN == nil {
            let key = values["bind-password"] != nil ? "bind-password" : "bind-password-file"
            throw .missingKey("bind-dn", detail: "\(key) is given, so the service account's DN is needed")
        }

        // Users: search mode (base, filter) or template mode (dn-template).
        settings.base = try string("base")
        settings.dnTemplate = try string("dn-template")
        switch (settings.base, settings.dnTemplate) {
        case (nil, nil):
            throw .missingKey(
                "base", detail: "give base (search for the user's entry) or dn-template (bind as a DN built from the name)")
        case (.some, .some):
            throw .conflict(key: "dn-template", detail: "give base or dn-template, not both")
        default: break
        }
        if let template = settings.dnTemplate {
            guard template.contains("%u") else {
                throw .badValue(key: "dn-template", value: template, expected: "a DN containing %u, such as uid=%u,ou=people,dc=example,dc=org")
            }
            if values["filter"] != nil {
                throw .conflict(key: "filter", detail: "only used with base (search mode), not with dn-template")
            }
        }
        settings.filter = try filter("filter", needsPlaceholder: true)
        if let name = try attribute("user-attribute") { settings.userAttribute = name }
        if let name = try attribute("name-attribute") { settings.nameAttribute = name }

        // Pool and time limits.
        if let size = try whole("pool", LDAPSettings.poolRange) { settings.poolSize = size }
        if let value = try seconds("connect-timeout", LDAPSettings.connectTimeoutRange) { settings.connectTimeout = value }
        if let value = try seconds("timeout", LDAPSettings.timeoutRange) { settings.timeout = value }
        if let value = try seconds("retry", LDAPSettings.retryRange) { settings.retryInterval = value }
        if let value = try whole("max-waiting", LDAPSettings.maxWaitingRange) { settings.maxWaiting = value }
        if let value = try whole("size-limit", LDAPSettings.sizeLimitRange) { settings.sizeLimit = value }

        // Shared groups.
        settings.groupBase = try string("group-base")
        if settings.groupBase == nil {
            let groupKeys = ["group-filter", "group-name-attribute", "member-attribute", "member-format", "group-refresh"]
            if let key = groupKeys.first(where: { values[$0] != nil }) {
                throw .missingKey("group-base", detail: "\(key) is given, but shared groups are only on with group-base")
            }
        }
        if let value = try filter("group-filter", needsPlaceholder: false) { settings.groupFilter = value }
        if let name = try attribute("group-name-attribute") { settings.groupNameAttribute = name }
        if let name = try attribute("member-attribute") { settings.memberAttribute = name }
        if let format = try string("member-format") {
            guard let value = LDAPSettings.MemberFormat(rawValue: format.lowercased()) else {
                throw .badValue(key: "member-format", value: format, expected: "dn or uid")
            }
            settings.memberFormat = value
        }
        if let value = try seconds("group-refresh", LDAPSettings.groupRefreshRange) { settings.groupRefresh = value }
        if settings.groupBase != nil, settings.usersBase == nil {
            throw .conflict(
                key: "dn-template",
                detail: "shared groups need the users' folder: the template must have a parent, such as uid=%u,ou=people,…")
        }
        return settings
    }

    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
}

extension LDAPSettings {
    /// Where users are listed for shared groups: `base`, or in template mode the parent of
    /// `dn-template` (what follows its first unescaped `,`, RFC 4514 §3).
    public var usersBase: String? {
        if let base { return base }
        guard let template = dnTemplate else { return nil }
        var escaped = false
        for index in template.indices {
            let character = template[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                let parent = template[template.index(after: index)...].trimmingCharacters(in: .whitespaces)
                return parent.isEmpty || parent.contains("%u") ? nil : parent
            }
        }
        return nil
    }

    /// The settings for a log line: everything but the service password.
    public var logSummary: String {
        var parts = ["uri=\(uri)"]
        if startTLS { parts.append("starttls=yes") }
        if let caFile { parts.append("ca-file=\(caFile)") }
        if !verifyCertificate { parts.append("tls-verify=no") }
        if let bindDN { parts.append("bind-dn=\(bindDN)") }
        if bindPassword != nil { parts.append("bind-password=<redacted>") }
        if let base { parts.append("base=\(base)") }
        if let dnTemplate { parts.append("dn-template=\(dnTemplate)") }
        if dnTemplate == nil { parts.append("filter=\(effectiveFilter)") }
        parts.append("user-attribute=\(userAttribute)")
        parts.append("name-attribute=\(nameAttribute)")
        parts.append("pool=\(poolSize)")
        parts.append("connect-timeout=\(connectTimeout)")
        parts.append("timeout=\(timeout)")
        parts.append("retry=\(retryInterval)")
        parts.append("max-waiting=\(maxWaiting)")
        parts.append("size-limit=\(sizeLimit)")
        if let groupBase {
            parts.append("group-base=\(groupBase)")
            parts.append("group-filter=\(groupFilter)")
            parts.append("group-name-attribute=\(groupNameAttribute)")
            parts.append("member-attribute=\(memberAttribute)")
            parts.append("member-format=\(memberFormat.rawValue)")
            parts.append("group-refresh=\(groupRefresh)")
        }
        return parts.joined(separator: ";")
    }
}
