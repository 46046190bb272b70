import Foundation
import ParleyCore

/// An XMPP address (RFC 7622): `[localpart@]domainpart[/resourcepart]`, validated and
/// normalized so that two JIDs that name the same entity compare equal.
///
/// Normalization approximates the PRECIS profiles the RFC names: the localpart goes
/// through `Username` (case folding and NFC, RFC 7622 §3.3.2), the domain is lowercased
/// without a trailing dot (§3.2.2), and the resource keeps its case with NFC only
/// (OpaqueString, §3.4.2).
public struct JID: Hashable, Sendable, CustomStringConvertible {
    /// The localpart, normalized; nil for a domain or service JID.
    public let localpart: String?
    /// The domainpart, lowercased.
    public let domain: String
    /// The resourcepart; nil for a bare JID.
    public let resource: String?

    /// Each part is at most 1023 bytes (RFC 7622 §3.2, §3.3, §3.4).
    public static let maximumPartBytes = 1023

    /// Why a string is not a JID.
    public enum ParseError: Error, Hashable, Sendable {
        case empty
        case invalidLocalpart
        case invalidDomain
        case invalidResource
    }

    /// Builds a JID from parts that are already valid.
    public init(localpart: String?, domain: String, resource: String? = nil) {
        self.localpart = localpart
        self.domain = domain
        self.resource = resource
    }

    /// Parses and normalizes `text` (RFC 7622 §3.1: the first `/` starts the resource,
    /// the last `@` before it ends the localpart).
    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else { throw .empty }
        // '/' and '@' are ASCII, so they are found in the UTF-8 view without grapheme work.
        let bytes = text.utf8
        let slash = bytes.firstIndex(of: UInt8(ascii: "/"))
        var resource: String?
        if let slash {
            let prepared = Normalization.nfc(String(text[text.utf8.index(after: slash)...]))
            guard !prepared.isEmpty, prepared.utf8.count <= Self.maximumPartBytes, !Self.hasControl(prepared) else {
                throw .invalidResource
            }
            resource = prepared
        }
        let end = slash ?? bytes.endIndex
        var start = bytes.startIndex
        var localpart: String?
        if let at = bytes[..<end].lastIndex(of: UInt8(ascii: "@")) {
            guard let user = Username(String(text[..<at])) else { throw .invalidLocalpart }
            localpart = user.value
            start = bytes.index(after: at)
        }
        var domain = Normalization.foldedNFC(String(text[start..<end]))
        if domain.hasSuffix(".") { domain.removeLast() }
        guard !domain.isEmpty, domain.utf8.count <= Self.maximumPartBytes, Self.isValidDomain(domain) else {
            throw .invalidDomain
        }
        self.init(localpart: localpart, domain: domain, resource: resource)
    }

    /// Whether `text` holds a control character (ASCII checked without property look-ups).
    private static func hasControl(_ text: String) -> Bool {
        if Normalization.isASCII(text) { return text.utf8.contains { $0 < 0x20 || $0 == 0x7F } }
        return text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// RFC 7622 §3.2: no `@`, `/`, spaces or controls in a domainpart.
    private static func isValidDomain(_ domain: String) -> Bool {
        if Normalization.isASCII(domain) {
            return !domain.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "/") }
        }
        return !domain.unicodeScalars.contains {
            $0 == "@" || $0 == "/" || $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }
    }

    /// Parses `text`, or nil when it is not a JID.
    public init?(_ text: String) {
        guard let jid = try? JID(parsing: text) else { return nil }
        self = jid
    }

    /// This JID without its resource.
    public var bare: JID { resource == nil ? self : JID(localpart: localpart, domain: domain) }
    /// Whether this JID has no resource.
    public var isBare: Bool { resource == nil }
    /// This JID with another resource.
    public func with(resource: String?) -> JID { JID(localpart: localpart, domain: domain, resource: resource) }

    public var description: String {
        var text = localpart.map { "\($0)@" } ?? ""
        text += domain
        if let resource { text += "/\(resource)" }
        return text
    }
}

// MARK: - Mapping to and from model addresses

extension JID {
    /// The JID of a model user (a bare JID).
    public init(_ user: UserID) {
        self.init(localpart: user.localpart.isEmpty ? nil : user.localpart, domain: user.domain)
    }

    /// The JID of a model session (a full JID; a bare one when the session name is empty,
    /// as for a component's domain address).
    public init(_ session: SessionID) {
        self.init(localpart: session.user.localpart.isEmpty ? nil : session.user.localpart,
            domain: session.user.domain, resource: session.resource.isEmpty ? nil : session.resource)
    }

    /// The model user this JID's bare part names.
    public var userID: UserID { UserID(localpart: localpart ?? "", domain: domain) }

    /// The model session a full JID names; nil for a bare JID.
    public var sessionID: SessionID? { resource.map { SessionID(user: userID, resource: $0) } }

    /// A user or session address in the model (rooms are mapped by the MUC adapter).
    public var userAddress: Address {
        if let sessionID { .session(sessionID) } else { .user(userID) }
    }
}
