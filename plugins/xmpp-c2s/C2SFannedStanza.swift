import NIOCore
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// A stanza that many XMPP clients receive alike, rendered once per fan-out
/// (`FanOut.memo`): a room's groupchat message (XEP-0045 §7.4) or one message to many
/// addresses (a pubsub node's event, `ChatService.deliver(_:toEach:)`), serialized once
/// without its `to` and split where each recipient's ` to='…'` goes, so that a copy costs
/// two byte copies instead of a serialization. Used on one executor, for one fan-out.
final class C2SFannedStanza: @unchecked Sendable {
    /// `<message`
    let head: ByteBuffer
    /// Everything after `<message`: the other attributes, the children, the end tag.
    let tail: ByteBuffer

    /// Renderings since start, for the tests that check there is one per fan-out.
    static let renderings = Atomic(0)

    /// `stanza` has no `to`; `namespace` is the stream's.
    init(_ stanza: XMLElement, namespace: String, allocator: ByteBufferAllocator) {
        Self.renderings.add(1, ordering: .relaxed)
        var bytes = allocator.buffer(capacity: 256)
        bytes.writeXML(stanza, inheritedNamespace: namespace)
        let split = "<\(stanza.name)".utf8.count
        head = bytes.readSlice(length: split) ?? ByteBuffer()
        tail = bytes
    }

    /// The bytes for one recipient whose ` to='…'` attribute is `to`.
    func copy(to: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: head.readableBytes + to.count + tail.readableBytes)
        buffer.writeImmutableBuffer(head)
        buffer.writeBytes(to)
        buffer.writeImmutableBuffer(tail)
        return buffer
    }

    /// ` to='jid'`, escaped as the serializer escapes attribute values.
    static func toAttribute(_ jid: JID) -> [UInt8] {
        let element = XMLElement(name: "x", attributes: [XMLAttribute("to", value: jid.description)])
        // `<x to='…'/>` without `<x` and `/>`.
        return Array(element.serialized().dropFirst(2).dropLast(2))
    }
}
