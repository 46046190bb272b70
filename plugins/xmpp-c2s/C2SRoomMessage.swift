import NIOCore
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// A room message rendered for XMPP clients once per fan-out (`FanOut.memo`): the
/// groupchat stanza of XEP-0045 §7.4 serialized once without its `to`, split where each
/// recipient's ` to='…'` goes, so that a copy costs two byte copies instead of a
/// serialization. Used on the room's executor only, for the length of one fan-out.
final class C2SRoomMessage: @unchecked Sendable {
    /// `<message`
    let head: ByteBuffer
    /// Everything after `<message`: the other attributes, the children, the end tag.
    let tail: ByteBuffer

    /// Renderings since start, for the test that checks there is one per fan-out.
    static let renderings = Atomic(0)

    init(_ message: Message, in room: RoomID, roomsDomain: String, codec: XMPPStanzaCodec, allocator: ByteBufferAllocator) {
        Self.renderings.add(1, ordering: .relaxed)
        let from = Self.occupantJID(message.from, in: room, roomsDomain: roomsDomain)
        var stanza = codec.element(for: message, from: from, to: "")
        stanza[attribute: "to"] = nil
        var bytes = allocator.buffer(capacity: 256)
        bytes.writeXML(stanza, inheritedNamespace: codec.namespace)
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

    /// XEP-0045 §7.4: a room message comes from the occupant's room JID
    /// (`room@rooms-domain/nick`), or from the room itself when the nick is no resourcepart.
    static func occupantJID(_ sender: Address, in room: RoomID, roomsDomain: String) -> String {
        let bare = "\(room.key)@\(roomsDomain)"
        guard case .occupant(_, let nick) = sender, let jid = JID("\(bare)/\(nick.displayName)") else { return bare }
        return jid.description
    }

    /// ` to='jid'`, escaped as the serializer escapes attribute values.
    static func toAttribute(_ jid: JID) -> [UInt8] {
        let element = XMLElement(name: "x", attributes: [XMLAttribute("to", value: jid.description)])
        // `<x to='…'/>` without `<x` and `/>`.
        return Array(element.serialized().dropFirst(2).dropLast(2))
    }
}
