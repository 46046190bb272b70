import ParleyCore

/// One account as stored in `accounts/<name>.account` (docs/storage.md):
///
///     # parley-account 1
///     username = alice
///     scram-sha-1 = i=10000,s=<base64>,stored=<base64>,server=<base64>
///     scram-sha-256 = i=10000,s=<base64>,stored=<base64>,server=<base64>
///     disabled = no
///
/// At least one `scram-*` line is required; `disabled` is optional (default `no`). There
/// is no password in it, clear or hashed other than as SCRAM keys.
struct AccountRecord: Sendable, Hashable {
    static let header = "# parley-account 1"
    /// Larger files are refused without being read.
    static let maximumFileBytes = 64 * 1024

    var username: Username
    var records: [SCRAMAlgorithm: SCRAMRecord]
    var disabled = false

    /// The record PLAIN is checked against: SHA-256 when present.
    var plainRecord: SCRAMRecord? { records[.sha256] ?? records[.sha1] }

    static func key(for algorithm: SCRAMAlgorithm) -> String {
        "scram-" + algorithm.rawValue.lowercased()
    }

    /// Derives records for both algorithms from `password`: two PBKDF2s.
    static func derive(_ user: Username, password: String, iterations: Int) throws(StoreError) -> AccountRecord {
        var records: [SCRAMAlgorithm: SCRAMRecord] = [:]
        do {
            for algorithm in SCRAMAlgorithm.allCases {
                records[algorithm] = try SCRAMRecord.derive(password: password, iterations: iterations, algorithm: algorithm)
            }
        } catch {
            throw .invalidPassword(error.logDescription)
        }
        return AccountRecord(username: user, records: records)
    }

    func serialized() -> [UInt8] {
        var text = Self.header + "\n"
        text += "username = \(TextFormat.escape(username.value))\n"
        for algorithm in SCRAMAlgorithm.allCases {
            guard let record = records[algorithm] else { continue }
            text += "\(Self.key(for: algorithm)) = \(record.text)\n"
        }
        if disabled { text += "disabled = yes\n" }
        return Array(text.utf8)
    }

    /// Parses a file; `expected` is the user the file name says it belongs to.
    static func parse(_ bytes: [UInt8], path: String, expected: Username?) throws(StoreError) -> AccountRecord {
        var username: Username?
        var records: [SCRAMAlgorithm: SCRAMRecord] = [:]
        var disabled: Bool?
        for (number, line) in try TextFormat.parse(bytes, header: header, path: path) {
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: number, reason: reason) }
            guard case .pair(let key, let value) = line else { throw fail("sections are not allowed in an account file") }
            switch key {
            case "username":
                guard username == nil else { throw fail("duplicate 'username'") }
                guard let user = Username(value), user.value == value else {
                    throw fail("'\(value.prefix(64))' is not a normalized user name")
                }
                if let expected, expected != user { throw fail("user name '\(user)' does not match the file name") }
                username = user
            case "disabled":
                guard disabled == nil else { throw fail("duplicate 'disabled'") }
                guard let flag = TextFormat.boolean(value) else { throw fail("'disabled' must be yes or no") }
                disabled = flag
            default:
                guard let algorithm = SCRAMAlgorithm.allCases.first(where: { Self.key(for: $0) == key }) else {
                    throw fail("unknown key '\(key)'")
                }
                guard records[algorithm] == nil else { throw fail("duplicate '\(key)'") }
                records[algorithm] = try parseRecord(value, algorithm: algorithm, fail: fail)
            }
        }
        guard let username else { throw .corruptFile(path: path, line: 0, reason: "no 'username' line") }
        guard !records.isEmpty else { throw .corruptFile(path: path, line: 0, reason: "no scram-sha-1 or scram-sha-256 line") }
        return AccountRecord(username: username, records: records, disabled: disabled ?? false)
    }

    /// `i=<count>,s=<base64>,stored=<base64>,server=<base64>` (`SCRAMRecord(text:algorithm:)`).
    private static func parseRecord(
        _ value: String, algorithm: SCRAMAlgorithm, fail: (String) -> StoreError
    ) throws(StoreError) -> SCRAMRecord {
        do {
            return try SCRAMRecord(text: value, algorithm: algorithm)
        } catch {
            throw fail(error.reason)
        }
    }
}
