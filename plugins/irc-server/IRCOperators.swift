import Foundation
import ParleyCred
import ParleyIRC

/// The server operators of `opers-file` (RFC 2812 §3.1.4 OPER): one per line,
///
///     # name  password record (parleyd user hash)       options
///     root    i=4096,s=…,stored=…,server=…             mask=*@127.0.0.1 vhost=staff.example.org
///
/// `mask` (a glob over `user@address`, the USER username and the client's IP address;
/// default `*@*`) limits where the operator may log in from; `vhost` is the host its
/// hostmask shows once logged in. No password is kept, only its SCRAM-SHA-256 record.
struct IRCOperators: Sendable {
    struct Operator: Sendable {
        let name: String
        let record: SCRAMRecord
        let mask: IRCMask
        let vhost: String?
    }

    /// Why the file cannot be used (the line and what is wrong).
    struct FileError: Error, CustomStringConvertible {
        let description: String
    }

    /// What OPER gets: 381, 491 (no such operator, or not from here) or 464.
    enum Outcome: Sendable, Equatable {
        case loggedIn(name: String, vhost: String?)
        case noOperHost
        case passwordMismatch
    }

    let operators: [Operator]

    init(operators: [Operator] = []) {
        self.operators = operators
    }

    /// Reads the file at `path` (at most 1 MiB).
    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20,
            let text = String(data: data, encoding: .utf8)
        else { throw FileError(description: "cannot read \(path) (missing, unreadable, not UTF-8 or over 1 MiB)") }
        try self.init(text: text, path: path)
    }

    init(text: String, path: String = "opers-file") throws {
        var operators: [Operator] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            func fail(_ why: String) -> FileError { FileError(description: "\(path):\(index + 1): \(why)") }
            guard fields.count >= 2 else { throw fail("expected 'name record [mask=…] [vhost=…]'") }
            let record: SCRAMRecord
            do {
                record = try SCRAMRecord(text: String(fields[1]), algorithm: .sha256)
            } catch {
                throw fail("the password record: \(error.reason) (make one with 'parleyd user hash')")
            }
            var mask = IRCMask("*@*")
            var vhost: String?
            for option in fields.dropFirst(2) {
                if option.hasPrefix("mask=") {
                    mask = IRCMask(String(option.dropFirst(5)))
                } else if option.hasPrefix("vhost="), IRCHostname.isValid(option.dropFirst(6)) {
                    vhost = String(option.dropFirst(6))
                } else {
                    throw fail("unknown or invalid option '\(option.prefix(40))'")
                }
            }
            operators.append(Operator(name: String(first), record: record, mask: mask, vhost: vhost))
        }
        self.operators = operators
    }

    /// Checks an OPER attempt from `userAtAddress` (one PBKDF2: call it off the event loop).
    func check(name: String, password: String, from userAtAddress: String) -> Outcome {
        guard let entry = operators.first(where: { $0.name == name }),
            entry.mask.matches(userAtAddress, caseMapping: .ascii)
        else { return .noOperHost }
        guard (try? entry.record.matches(password: password)) == true else { return .passwordMismatch }
        return .loggedIn(name: entry.name, vhost: entry.vhost)
    }
}
