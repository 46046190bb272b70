import ParleyCore
import ParleyIRC
import ParleyXML
import ParleyXMPP

/// What an XMPP user asks of the puppet for one network, in the order the user asked.
enum GatewayRequest: Sendable {
    /// A resource enters a channel as `nick` (XEP-0045 §7.2), with the channel key and how
    /// many history messages it wants (§7.2.14 maxstanzas; nil: all kept), or updates its
    /// presence there (§7.7, `presence`'s show and status).
    case enter(
        SessionID, channel: GatewayAddress, name: String, nick: String, password: String?, presence: Presence,
        history: Int?)
    /// A resource leaves a channel (§7.14), or went away.
    case exit(SessionID, name: String)
    /// A groupchat message to a channel (§7.4).
    case say(SessionID, name: String, Message)
    /// A private message to a nick on the network.
    case tell(nick: String, Message)
    /// A subject change (§8.1): TOPIC.
    case setSubject(name: String, String)
    /// A moderator kicks an occupant (§8.2): KICK.
    case kick(name: String, nick: String, reason: String?)
    /// An admin bans a user (§9.1): MODE +b on `nick!*@*`, then KICK.
    case ban(name: String, nick: String, reason: String?)
    /// A resource's XEP-0313 query on a channel room (the IQ's id, the query's `queryid` and
    /// what it selects, as `MAMRequest` reads it): answered from the network's history
    /// when it offers IRCv3 chathistory.
    case archiveQuery(SessionID, name: String, iq: String, queryID: String?, ArchiveQuery)
    /// Raw IRC lines a resource sent to the network's JID (biboumi's "raw IRC messages"),
    /// already parsed and checked (`GatewayRawCommands`); what the network answers in the
    /// next seconds goes back to that resource.
    case raw(SessionID, [IRCMessage])
    /// The user asked to be disconnected from this network (`disconnect-from-irc-servers`):
    /// QUIT with this message, and the rooms gone (332).
    case disconnect(quitMessage: String)
    /// The gateway stops.
    case close
}

/// The XMPP errors the gateway answers with, as model values with their `<error/>`.
enum GatewayErrors {
    /// An error presence (RFC 6120 §8.3) refusing an entry.
    static func presence(_ condition: StanzaError.Condition, text: String?) -> Presence {
        var presence = Presence(
            .unavailable, payloads: [GatewayMUCRendering.payload(StanzaError(condition, text: text).element())])
        presence.isError = true
        return presence
    }
}
