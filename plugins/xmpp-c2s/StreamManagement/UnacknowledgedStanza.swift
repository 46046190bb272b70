import NIOCore
import ParleyXML
import ParleyXMPP

/// Which unacknowledged stanzas of an ending session are kept offline (XEP-0198 §4: the
/// server treats them as undelivered): one-to-one messages with a body. Copies (XEP-0280)
/// and archive results (XEP-0313) are not, nor room messages, which the room's history
/// and archive hold.
enum UnacknowledgedStanza {
    /// The message in `buffer` (as it was written, its namespace inherited from the
    /// stream) addressed to `bareJID`, or nil when it is not kept.
    static func offlineMessage(_ buffer: ByteBuffer, bareJID: String) -> XMLElement? {
        var bytes = Array("<w xmlns='\(XMPPNamespace.client)'>".utf8)
        bytes += buffer.readableBytesView
        bytes += Array("</w>".utf8)
        guard let wrapper = try? XMLStreamParser.parseDocument(bytes), var message = wrapper.elements.first,
            message.name == "message", message.namespace == XMPPNamespace.client
        else { return nil }
        switch message[attribute: "type"] {
        case nil, "chat", "normal": break
        default: return nil
        }
        guard message.firstChild(named: "body", namespace: XMPPNamespace.client) != nil,
            !message.elements.contains(where: { $0.namespace == XMPPNamespace.carbons || $0.namespace == XMPPNamespace.mam })
        else { return nil }
        message[attribute: "to"] = bareJID
        return message
    }
}
