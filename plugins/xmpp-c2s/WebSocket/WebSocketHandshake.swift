import HTTPTypes
import ParleyHTTP

/// RFC 7395 §3.1's opening handshake checks, as a pure function of the request's header
/// fields: an HTTP/1.1 upgrade to WebSocket (RFC 6455 §4.2.1) that offers the `xmpp`
/// subprotocol, from an allowed origin (`WebSocketUpgradePolicy`). What a refused request
/// gets is the refusal's HTTP status and a line of text.
enum WebSocketHandshake {
    /// The subprotocol (IANA WebSocket Subprotocol Name Registry, RFC 7395 §5).
    static let subprotocol = "xmpp"

    typealias Refusal = WebSocketUpgradePolicy.Refusal

    /// The endpoint's policy: an upgrade offering the `xmpp` subprotocol, from a page of
    /// `allowedOrigins` (empty: the same origin as the request's `Host`; without an
    /// `Origin` field any client goes).
    static func policy(allowedOrigins: [String]) -> WebSocketUpgradePolicy {
        WebSocketUpgradePolicy(subprotocols: [subprotocol], subprotocolRequired: true, allowedOrigins: allowedOrigins)
    }

    /// The line of text a refused upgrade gets.
    static func message(for refusal: Refusal) -> String {
        switch refusal {
        case .notAnUpgrade: "XMPP over WebSocket (RFC 7395): upgrade this request to WebSocket"
        case .noSubprotocol: "XMPP over WebSocket needs the 'xmpp' subprotocol (RFC 7395 section 3.1)"
        case .originNotAllowed: "pages from this origin may not open XMPP WebSockets here"
        case .unsupportedVersion, .malformedHandshake: WebSocketUpgradePolicy.handshakeMessage(for: refusal) ?? ""
        }
    }
}
