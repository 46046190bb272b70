/// How a stream is framed on its transport; the negotiation is the same for every
/// framing, only the stream's opening and what the transport offers differ.
public enum StreamFraming: Sendable, Hashable {
    /// RFC 6120 over TCP: `<stream:stream>`, STARTTLS when the transport is clear.
    case tcp
    /// RFC 7395 over WebSocket: `<open/>` and `<close/>`, one element per message; TLS is
    /// the WebSocket's own (`wss:`), never STARTTLS.
    case webSocket
    /// XEP-0206 over BOSH (XEP-0124): the session creation request's `<body/>` opens the
    /// stream, `xmpp:restart` restarts it; TLS is the HTTP layer's (`https:`), never STARTTLS.
    case bosh
}
