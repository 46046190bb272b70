import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// How a channel on an IRC network looks to an XMPP user, as XEP-0045 presences and
/// messages from the channel's JID (`#chan%net@irc.<domain>/nick`). Pure: builds model
/// values whose payloads are the `muc#user` elements.
enum GatewayMUCRendering {
    /// XEP-0045 §5 role and affiliation of a member by its highest prefix (biboumi's
    /// mapping): `~` owner, `&` admin, `@` admin and `%` member are moderators; `+` a
    /// member with voice; no prefix a participant without affiliation.
    static func roleAndAffiliation(prefixes: String) -> (role: String, affiliation: String) {
        switch prefixes.first {
        case "~": ("moderator", "owner")
        case "&", "@": ("moderator", "admin")
        case "%": ("moderator", "member")
        case "+": ("participant", "member")
        default: ("participant", "none")
        }
    }

    /// The `<x xmlns='…muc#user'>` of an occupant's presence with `codes` (§15.6 statuses)
    /// and, for a nick change (303), the new nick.
    static func userElement(prefixes: String, codes: [Int], newNick: String? = nil, unavailable: Bool = false)
        -> XMLElement
    {
        let (role, affiliation) = unavailable ? ("none", roleAndAffiliation(prefixes: prefixes).affiliation)
            : roleAndAffiliation(prefixes: prefixes)
        var item = XMLElement(
            name: "item", namespace: MUCNamespace.user,
            attributes: [XMLAttribute("affiliation", value: affiliation), XMLAttribute("role", value: role)])
        if let newNick { item[attribute: "nick"] = newNick }
        var x = XMLElement(name: "x", namespace: MUCNamespace.user)
        x.append(item)
        for code in codes {
            x.append(XMLElement(name: "status", namespace: MUCNamespace.user, attributes: [XMLAttribute("code", value: String(code))]))
        }
        return x
    }

    /// The payload of an XMPP element the gateway builds (a `muc#user` item, a
    /// stanza-id, an `<error/>`), as the XMPP codec makes every payload.
    static func payload(_ element: XMLElement) -> ExtensionPayload {
        codec.payload(for: element)
    }

    private static let codec = XMPPExtensionCodec()

    /// An occupant's available presence (§7.2.3), with `codes` (110 for one's own).
    static func presence(of member: IRCChannelMember, codes: [Int] = [], away: String? = nil) -> Presence {
        Presence(
            away == nil ? .available : .away, status: away,
            payloads: [payload(userElement(prefixes: member.prefixes, codes: codes))])
    }

    /// An occupant's unavailable presence: left (no code), kicked (307, with the reason as
    /// status), or renamed (303 with the new nick); 110 added for one's own.
    static func departure(prefixes: String, codes: [Int], newNick: String? = nil, status: String? = nil) -> Presence {
        Presence(
            .unavailable, status: status,
            payloads: [payload(userElement(prefixes: prefixes, codes: codes, newNick: newNick, unavailable: newNick == nil))])
    }
}
