import NIOCore

/// The XEP-0045 stanzas the `muc` workload sends: entering, the instant-room form, and
/// groupchat messages whose body starts with a 20-digit monotonic send time.
struct MUCStanzas: Sendable {
    /// The room's bare JID, e.g. `bench@conference.localhost`.
    let room: String
    /// The part of a groupchat message before its 20-digit time stamp.
    let messagePrefix: ByteBuffer
    /// The rest of the message after the time stamp: a space, filler, the end tags.
    let messageSuffix: ByteBuffer

    /// `type` is the messages' type: a chat message to a full JID (`room`) works the same way.
    init(room: String, stanzaBytes: Int, type: String = "groupchat") {
        self.room = room
        let prefix = "<message type='\(type)' to='\(room)' id='g'><body>"
        let suffix = "</body></message>"
        let space = max(24, stanzaBytes - prefix.utf8.count - suffix.utf8.count)
        var text = " "
        while text.utf8.count < space - 20 { text += ChatStanza.filler }
        messagePrefix = ByteBuffer(string: prefix)
        messageSuffix = ByteBuffer(string: String(text.utf8.prefix(space - 20))! + suffix)
    }

    /// Presence that enters the room as `nick`, asking for no history (XEP-0045 §7.2.14).
    func enter(nick: String) -> ByteBuffer {
        ByteBuffer(string:
            "<presence to='\(room)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'>"
                + "<history maxstanzas='0'/></x></presence>")
    }

    /// The owner's empty submit form that unlocks a newly created room as an instant room
    /// (XEP-0045 §10.1.2); servers that do not lock new rooms may refuse it.
    func instantRoom(id: String) -> ByteBuffer {
        ByteBuffer(string:
            "<iq type='set' to='\(room)' id='\(id)'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'/></query></iq>")
    }

    /// A groupchat message to the room stamped with `now` (nanoseconds, CLOCK_MONOTONIC).
    func message(stampedAt now: UInt64) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(messagePrefix.readableBytes + 20 + messageSuffix.readableBytes)
        buffer.writeImmutableBuffer(messagePrefix)
        let stamp = String(now)
        buffer.writeString(String(repeating: "0", count: 20 - stamp.utf8.count) + stamp)
        buffer.writeImmutableBuffer(messageSuffix)
        return buffer
    }

    var messageBytes: Int { messagePrefix.readableBytes + 20 + messageSuffix.readableBytes }
}
