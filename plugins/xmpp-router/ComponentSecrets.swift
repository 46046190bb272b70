import Foundation
import ParleyCore
import ParleyLauncher
import ParleyXMPP

/// The shared secret of each component domain the router accepts (XEP-0114 §3), read from
/// the `components` option: `echo.example.com=secret1,web.example.com=secret2`.
///
/// A secret cannot contain `,` (it separates entries); it may contain `=` after the first.
struct ComponentSecrets: Sendable, Equatable {
    private var secrets: [String: String] = [:]

    init() {}

    /// Parses the option text; every fault names the option key and the entry.
    init(parsing text: String, key: String, chatDomain: String) throws(OptionError) {
        let chatDomain = Normalization.foldedNFC(chatDomain)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OptionError(key: key, message: "no component domains; expected DOMAIN=SECRET[,DOMAIN=SECRET…]")
        }
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { throw OptionError(key: key, message: "an empty entry; expected DOMAIN=SECRET[,DOMAIN=SECRET…]") }
            guard let equals = entry.firstIndex(of: "=") else {
                throw OptionError(key: key, message: "'\(entry)' is not DOMAIN=SECRET")
            }
            let domainText = entry[..<equals].trimmingCharacters(in: .whitespaces)
            let secret = String(entry[entry.index(after: equals)...])
            guard let jid = JID(domainText), jid.localpart == nil, jid.resource == nil else {
                throw OptionError(key: key, message: "'\(domainText)' is not a domain")
            }
            guard !secret.isEmpty else { throw OptionError(key: key, message: "the secret of \(jid.domain) is empty") }
            guard secret.utf8.count <= Self.maximumSecretBytes else {
                throw OptionError(key: key, message: "the secret of \(jid.domain) is longer than \(Self.maximumSecretBytes) bytes")
            }
            guard jid.domain != chatDomain else {
                throw OptionError(key: key, message: "\(jid.domain) is the chat domain itself, not a component's")
            }
            guard secrets[jid.domain] == nil else { throw OptionError(key: key, message: "\(jid.domain) is listed twice") }
            secrets[jid.domain] = secret
        }
        guard secrets.count <= Self.maximumDomains else {
            throw OptionError(key: key, message: "more than \(Self.maximumDomains) domains")
        }
    }

    /// Bounds on what a configuration may hold.
    static let maximumSecretBytes = 1024
    static let maximumDomains = 10_000

    /// The secret of `domain` (already normalized), nil when the router does not accept it.
    func secret(for domain: String) -> String? { secrets[domain] }

    /// The accepted domains, sorted.
    var domains: [String] { secrets.keys.sorted() }

    var isEmpty: Bool { secrets.isEmpty }

    /// Adds or replaces one domain's secret (tests and programmatic set-up).
    mutating func set(_ secret: String, for domain: String) { secrets[Normalization.foldedNFC(domain)] = secret }
}
