import Foundation
import ParleyXML

/// XEP-0203 delayed delivery: `<delay xmlns='urn:xmpp:delay' from='…' stamp='…'>reason</delay>`,
/// when a stanza was originally sent, and who delayed it (a server storing it offline).
public struct Delay: Hashable, Sendable {
    /// When the stanza was originally sent (XEP-0203 §3: REQUIRED, XEP-0082 DateTime, UTC).
    public var stamp: Date
    /// The entity that delayed delivery (XEP-0203 §3: OPTIONAL).
    public var from: JID?
    /// Why delivery was delayed (XEP-0203 §3: the OPTIONAL character data).
    public var reason: String?

    public init(stamp: Date, from: JID? = nil, reason: String? = nil) {
        self.stamp = stamp
        self.from = from
        self.reason = reason
    }

    /// Reads a `<delay/>` element. A missing or malformed stamp, or a malformed `from`, is a
    /// bad request.
    public init(element: XMLElement) throws(StanzaError) {
        guard element.name == "delay", element.namespace == XMPPNamespace.delay else {
            throw StanzaError(.badRequest, text: "not a <delay xmlns='\(XMPPNamespace.delay)'/> element")
        }
        // XEP-0203 §3: the stamp is REQUIRED and a XEP-0082 DateTime.
        guard let text = element[attribute: "stamp"] else {
            throw StanzaError(.badRequest, text: "<delay/> without a stamp")
        }
        guard let stamp = XMPPDateTime.date(from: text) else {
            throw StanzaError(.badRequest, text: "<delay/> stamp '\(text)' is not a XEP-0082 DateTime")
        }
        var from: JID?
        if let text = element[attribute: "from"] {
            guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "<delay/> from '\(text)'") }
            from = jid
        }
        let reason = element.text
        self.init(stamp: stamp, from: from, reason: reason.isEmpty ? nil : reason)
    }

    /// The `<delay/>` element; the stamp is written in UTC (XEP-0203 §3).
    public var element: XMLElement {
        var delay = XMLElement(name: "delay", namespace: XMPPNamespace.delay)
        delay[attribute: "from"] = from?.description
        delay[attribute: "stamp"] = XMPPDateTime.string(from: stamp)
        if let reason { delay.append(text: reason) }
        return delay
    }
}
