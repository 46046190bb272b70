import ParleyCore
import ParleyXML

/// What `XMPPClientState` asks its NIO shell (`XMPPClient`) to do, in order.
public enum XMPPClientAction: Sendable, Equatable {
    /// Write this element (a stanza or a negotiation element) in the `jabber:client` stream.
    case send(XMLElement)
    /// Write these bytes as they are (a stream header, the closing tag).
    case write([UInt8])
    /// Forget the parser's state: a new stream follows (RFC 6120 §5.4.3.3, §6.4.6).
    case resetParser
    /// RFC 6120 §5.4.2.3: put TLS in front of the connection, reset the parser, then call
    /// `tlsEstablished()`.
    case startTLS
    /// Resource binding finished: stanzas may flow; this is our full JID.
    case online(JID)
    /// A stanza from the server for the library's user.
    case stanza(XMLElement)
    /// The stream failed: close the connection; the next attempt waits as `retry` says.
    case fail(reason: String, retry: BackoffRetry)
    /// Both sides closed the stream (RFC 6120 §4.4): close the connection.
    case closed
}
