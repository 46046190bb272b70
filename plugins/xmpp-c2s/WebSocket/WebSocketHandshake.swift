import HTTPTypes
import ParleyHTTP

/// RFC 7395 §3.1's opening handshake checks, as a pure function of the request's header
/// fields: an HTTP/1.1 upgrade to WebSocket (RFC 6455 §4.2.1) that offers the `xmpp`
/// subprotocol. What a refused request gets is an HTTP status and a line of text.
enum WebSocketHandshake {
    /// The subprotocol (IANA WebSocket Subprotocol Name Registry, RFC 7395 §5).
    static let subprotocol = "xmpp"

    /// Why a handshake is refused.
    enum Refusal: Equatable, Sendable {
        /// Not a WebSocket upgrade at all: 426 Upgrade Required (RFC 9110 §15.5.22).
        case notAnUpgrade
        /// A WebSocket upgrade without `xmpp` among its subprotocols: 400 Bad Request
        /// (RFC 6455 §4.2.2: the server cannot speak any subprotocol offered).
        case noXMPPSubprotocol
        /// A browser page from an origin not allowed (RFC 6455 §10.2: the server checks
        /// `Origin` against cross-site use): 400 Bad Request too.
        case originNotAllowed

        /// The HTTP status of the refusal (`WebSocketUpgradePolicy.Refusal.status`).
        var status: HTTPResponse.Status { general.status }

        var general: WebSocketUpgradePolicy.Refusal {
            switch self {
            case .notAnUpgrade: .notAnUpgrade
            case .noXMPPSubprotocol: .noSubprotocol
            case .originNotAllowed: .originNotAllowed
            }
        }

        var message: String {
            switch self {
            case .notAnUpgrade: "XMPP over WebSocket (RFC 7395): upgrade this request to WebSocket"
            case .noXMPPSubprotocol: "XMPP over WebSocket needs the 'xmpp' subprotocol (RFC 7395 section 3.1)"
            case .originNotAllowed: "pages from this origin may not open XMPP WebSockets here"
            }
        }
    }

    /// nil when `fields` ask for a WebSocket with the `xmpp` subprotocol from an allowed
    /// origin; else why not (`WebSocketUpgradePolicy`: without an `Origin` field any
    /// origin goes; with one, it must be in `allowedOrigins`, or, when that list is empty,
    /// name the same host and port as the request's `authority`).
    static func refusal(_ fields: HTTPFields, authority: String?, allowedOrigins: [String] = []) -> Refusal? {
        let policy = WebSocketUpgradePolicy(subprotocols: [subprotocol], subprotocolRequired: true, allowedOrigins: allowedOrigins)
        guard case .failure(let refusal) = policy.check(fields, authority: authority) else { return nil }
        return [Refusal.notAnUpgrade, .noXMPPSubprotocol, .originNotAllowed].first { $0.general == refusal }
    }

    /// The response's fields: the chosen subprotocol (RFC 6455 §4.2.2 /subprotocol/).
    static var acceptedFields: HTTPFields { [.secWebSocketProtocol: subprotocol] }
}
