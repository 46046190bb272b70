/// XML namespaces of the XMPP core, IM and the XEPs Parley speaks.
public enum XMPPNamespace {
    // RFC 6120
    public static let streams = "http://etherx.jabber.org/streams"
    public static let client = "jabber:client"
    public static let server = "jabber:server"
    public static let component = "jabber:component:accept"
    public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    public static let stanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
    public static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
    public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    public static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
    // XEP-0220 (Server Dialback)
    public static let dialback = "jabber:server:dialback"
    public static let dialbackFeature = "urn:xmpp:features:dialback"
    // RFC 3921 §3 (answered for old clients; RFC 6121 Appendix E)
    public static let session = "urn:ietf:params:xml:ns:xmpp-session"
    // RFC 7395 (XMPP over WebSocket)
    public static let framing = "urn:ietf:params:xml:ns:xmpp-framing"
    // XEP-0124 (BOSH) and XEP-0206 (XMPP over BOSH)
    public static let httpBind = "http://jabber.org/protocol/httpbind"
    public static let xbosh = "urn:xmpp:xbosh"
    // RFC 6121
    public static let roster = "jabber:iq:roster"
    public static let rosterVersioning = "urn:xmpp:features:rosterver"
    public static let preApproval = "urn:xmpp:features:pre-approval"
    // XEPs
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    public static let ping = "urn:xmpp:ping"
    public static let version = "jabber:iq:version"
    public static let register = "jabber:iq:register"
    public static let registerFeature = "http://jabber.org/features/iq-register"
    public static let dataForms = "jabber:x:data"
    public static let delay = "urn:xmpp:delay"
    public static let offline = "msgoffline"
    /// XEP-0115 entity capabilities.
    public static let caps = "http://jabber.org/protocol/caps"
    /// XEP-0198 stream management.
    public static let streamManagement = "urn:xmpp:sm:3"
    /// XEP-0352 client state indication.
    public static let clientState = "urn:xmpp:csi:0"
    /// XEP-0280 message carbons.
    public static let carbons = "urn:xmpp:carbons:2"
    /// XEP-0297 stanza forwarding.
    public static let forward = "urn:xmpp:forward:0"
    /// XEP-0313 message archive management.
    public static let mam = "urn:xmpp:mam:2"
    /// XEP-0059 result set management.
    public static let rsm = "http://jabber.org/protocol/rsm"
    /// XEP-0359 unique and stable stanza ids.
    public static let stanzaID = "urn:xmpp:sid:0"
    /// XEP-0334 message processing hints.
    public static let hints = "urn:xmpp:hints"
    /// XEP-0191 blocking command, and its error condition.
    public static let blocking = "urn:xmpp:blocking"
    public static let blockingErrors = "urn:xmpp:blocking:errors"
}
