import NIOCore
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// A room message rendered for XMPP clients once per fan-out (`FanOut.memo`): the
/// groupchat stanza of XEP-0045 §7.4 (`MUCEventRenderer.groupchat`) serialized once
/// without its `to`, split where each
/// recipient's ` to='…'` goes, so that a copy costs two byte copies instead of a
/// serialization. Used on the room's executor only, for the length of one fan-out.
final class C2SRoomMessage: @unchecked Sendable {
    /// `<message`
    let head: ByteBuffer
    /// Everything after `<message`: the other attributes, the children, the end tag.
    let tail: ByteBuffer

    /// Renderings since start, for the test that checks there is one per fan-out.
    static let renderings = Atomic(0)

    init(_ message: Message, in room: RoomID, sender: RoomActor?, rooms: MUCEventRenderer, allocator: ByteBufferAllocator) {
        Self.renderings.add(1, ordering: .relaxed)
        let stanza = rooms.groupchat(message, in: room, sender: sender)
        var bytes = allocator.buffer(capacity: 256)
        bytes.writeXML(stanza, inheritedNamespace: rooms.codec.namespace)
        let split = "<message".utf8.count
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
