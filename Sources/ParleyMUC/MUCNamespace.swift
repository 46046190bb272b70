/// The namespaces of multi-user chat and the extensions it carries.
public enum MUCNamespace {
    /// XEP-0045 §17.1: the join request's `<x/>`.
    public static let muc = "http://jabber.org/protocol/muc"
    /// XEP-0045 §17.2: occupant items and status codes.
    public static let user = "http://jabber.org/protocol/muc#user"
    /// XEP-0045 §17.3: roles and affiliations.
    public static let admin = "http://jabber.org/protocol/muc#admin"
    /// XEP-0045 §17.4: the owner's configuration and destruction.
    public static let owner = "http://jabber.org/protocol/muc#owner"
    /// XEP-0045 §15.5.3: the FORM_TYPE of the room configuration form.
    public static let roomConfig = "http://jabber.org/protocol/muc#roomconfig"
    /// XEP-0045 §15.5.4: the FORM_TYPE of the room information form.
    public static let roomInfo = "http://jabber.org/protocol/muc#roominfo"
    /// XEP-0045 §7.13: the FORM_TYPE of voice requests.
    public static let request = "http://jabber.org/protocol/muc#request"
    /// XEP-0313: message archive management.
    public static let mam = "urn:xmpp:mam:2"
    /// XEP-0313 §7: the `before-id`, `after-id` and `ids` fields.
    public static let mamExtended = "urn:xmpp:mam:2#extended"
    /// XEP-0059: result set management.
    public static let rsm = "http://jabber.org/protocol/rsm"
    /// XEP-0297: stanza forwarding.
    public static let forward = "urn:xmpp:forward:0"
    /// XEP-0359: unique and stable stanza ids.
    public static let stanzaID = "urn:xmpp:sid:0"
    /// XEP-0421: anonymous unique occupant identifiers.
    public static let occupantID = "urn:xmpp:occupant-id:0"
}
