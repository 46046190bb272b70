import ParleyCore
import ParleyXML

/// A component that speaks XMPP itself (the MUC service as an external component): the
/// XEP-0114 client hands it every stanza the server sends, as XML, instead of turning it
/// into model traffic, and it answers with stanzas through `XMPPStanzaLink`.
public protocol XMPPStanzaComponent: ComponentHandler {
    /// One stanza from the server, in `jabber:component:accept`, on the connector's loop.
    func receive(_ stanza: XMLElement)
    /// The stream ended (the server went away or the link is shutting down): what the
    /// component held for the server's users is stale.
    func linkLost()
}

/// Where an `XMPPStanzaComponent` writes its stanzas: the XEP-0114 client, which refuses
/// (and logs) a stanza whose `from` is not on the component's domain.
public protocol XMPPStanzaLink: Sendable {
    var domain: String { get }
    /// Writes `stanza` (in `jabber:component:accept`) in order with the others, from any thread.
    func post(_ stanza: XMLElement)
}
