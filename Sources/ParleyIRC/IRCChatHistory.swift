import Foundation

/// IRCv3 `draft/chathistory` (https://ircv3.net/specs/extensions/chathistory, a work in
/// progress): the `CHATHISTORY` requests a client sends for a channel's or a nick's earlier
/// messages, answered with a `chathistory` batch. Pure.
public enum IRCChatHistory {
    /// The capability ("Notes for implementing work-in-progress version"), the reply's batch
    /// type (ratified, unprefixed) and the ISUPPORT token with the most messages one request
    /// may ask for ("ISUPPORT tokens": `0`, no maximum).
    public static let capability = "draft/chathistory"
    public static let batchType = "chathistory"
    public static let isupportToken = "CHATHISTORY"
    /// The command, and the command a `FAIL` about it names ("Errors and Warnings").
    public static let command = "CHATHISTORY"

    /// Where a request starts ("CHATHISTORY Command": `msgid=` or `timestamp=`, or `*` for
    /// LATEST without a bound).
    public enum Reference: Sendable, Hashable {
        case unbounded
        case messageID(String)
        case timestamp(Date)

        /// The reference as a parameter: `*`, `msgid=…`, `timestamp=YYYY-MM-DDThh:mm:ss.sssZ`.
        public var parameter: String {
            switch self {
            case .unbounded: "*"
            case .messageID(let id): "msgid=" + id
            case .timestamp(let date): "timestamp=" + IRCServerTime.format(date)
            }
        }
    }

    /// The subcommands that page through one target's history ("Subcommands").
    public enum Subcommand: String, Sendable, Hashable {
        /// The newest messages, after the reference (excluded) unless it is `*`.
        case latest = "LATEST"
        /// Messages before the reference, excluded.
        case before = "BEFORE"
        /// Messages after the reference, excluded.
        case after = "AFTER"
    }

    /// `CHATHISTORY <subcommand> <target> <reference> <limit>`; `limit` is at least 1 (a
    /// zero or negative count is not a request).
    public static func request(_ subcommand: Subcommand, target: String, _ reference: Reference, limit: Int)
        -> IRCMessage
    {
        IRCMessage(
            command: command, parameters: [subcommand.rawValue, target, reference.parameter, String(max(1, limit))])
    }
}
