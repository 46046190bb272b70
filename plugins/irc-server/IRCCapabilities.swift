/// The IRCv3 capabilities a client negotiated (IRCv3 Capability Negotiation,
/// https://ircv3.net/specs/extensions/capability-negotiation).
public struct IRCCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let messageTags = IRCCapabilities(rawValue: 1 << 0)
    public static let serverTime = IRCCapabilities(rawValue: 1 << 1)
    public static let echoMessage = IRCCapabilities(rawValue: 1 << 2)
    public static let awayNotify = IRCCapabilities(rawValue: 1 << 3)
    public static let accountTag = IRCCapabilities(rawValue: 1 << 4)
    public static let standardReplies = IRCCapabilities(rawValue: 1 << 7)
    public static let batch = IRCCapabilities(rawValue: 1 << 11)
    /// Works only together with `batch` (labeled-response "Dependencies").
    public static let labeledResponse = IRCCapabilities(rawValue: 1 << 12)
    public static let extendedJoin = IRCCapabilities(rawValue: 1 << 13)
    public static let chghost = IRCCapabilities(rawValue: 1 << 14)
    public static let setname = IRCCapabilities(rawValue: 1 << 15)
    public static let multiPrefix = IRCCapabilities(rawValue: 1 << 5)
    public static let sasl = IRCCapabilities(rawValue: 1 << 6)
    public static let userhostInNames = IRCCapabilities(rawValue: 1 << 8)
    public static let inviteNotify = IRCCapabilities(rawValue: 1 << 9)
    /// Implied by `CAP LS 302` (capability-negotiation §"cap-notify"); may also be requested.
    public static let capNotify = IRCCapabilities(rawValue: 1 << 10)

    /// Every capability with its wire name, in the order `CAP LS` lists them. Only what the
    /// server sends is offered: `account-notify` is not, because an account never changes
    /// after registration here.
    public static let names: [(IRCCapabilities, String)] = [
        (.accountTag, "account-tag"), (.awayNotify, "away-notify"), (.batch, "batch"),
        (.capNotify, "cap-notify"), (.chghost, "chghost"), (.echoMessage, "echo-message"),
        (.extendedJoin, "extended-join"), (.inviteNotify, "invite-notify"), (.labeledResponse, "labeled-response"),
        (.messageTags, "message-tags"), (.multiPrefix, "multi-prefix"), (.sasl, "sasl"),
        (.serverTime, "server-time"), (.setname, "setname"), (.standardReplies, "standard-replies"),
        (.userhostInNames, "userhost-in-names"),
    ]

    /// The capability called `name`, or nil for one this server does not offer.
    public init?(name: some StringProtocol) {
        guard let found = Self.names.first(where: { $0.1 == name }) else { return nil }
        self = found.0
    }

    /// The wire names of the capabilities in this set.
    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// The `CAP LS` tokens: `version` 302 and above adds values (`sasl=PLAIN`).
    /// `saslMechanisms` empty leaves `sasl` out (no mechanism usable on this connection).
    static func listing(version: Int, saslMechanisms: [String]) -> [String] {
        Self.names.compactMap { capability, name in
            if capability == .sasl {
                guard !saslMechanisms.isEmpty else { return nil }
                return version >= 302 ? "sasl=" + saslMechanisms.joined(separator: ",") : name
            }
            return name
        }
    }
}
