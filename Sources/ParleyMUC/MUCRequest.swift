import ParleyXML
import ParleyXMPP

/// One client stanza on its way to the MUC service, with its parsed addresses.
struct MUCRequest: Sendable {
    let stanza: XMLElement
    /// The service, room or occupant address it was sent to.
    let to: JID
    /// The sender's full JID.
    let from: JID

    /// The error answer (RFC 6120 §8.3), from the address the client wrote to; nil for an
    /// error stanza, which is never answered. A presence error carries the MUC `<x/>`
    /// (XEP-0045 §7.2.6 and following).
    func errorReply(_ error: StanzaError) -> XMLElement? {
        guard stanza[attribute: "type"] != "error" else { return nil }
        var original = stanza
        original[attribute: "from"] = from.description
        original[attribute: "to"] = to.description
        var reply = error.reply(to: original, includingOriginal: stanza.name != "message")
        if stanza.name == "presence" {
            reply.children = [.element(XMLElement(name: "x", namespace: MUCNamespace.muc)), .element(error.element(namespace: stanza.namespace))]
        }
        return reply
    }
}
