import HTTPTypes

/// RFC 7395 §3.2's opening handshake checks, as a pure function of the request's header
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

        /// HummingbirdWebSocket answers every refused upgrade with 400 and closes the
        /// connection, so the refusals of an upgrade all are 400 here too.
        var status: HTTPResponse.Status {
            switch self {
            case .notAnUpgrade: HTTPResponse.Status(code: 426, reasonPhrase: "Upgrade Required")
            case .noXMPPSubprotocol, .originNotAllowed: .badRequest
            }
        }

        var message: String {
            switch self {
            case .notAnUpgrade: "XMPP over WebSocket (RFC 7395): upgrade this request to WebSocket"
            case .noXMPPSubprotocol: "XMPP over WebSocket needs the 'xmpp' subprotocol (RFC 7395 section 3.2)"
            case .originNotAllowed: "pages from this origin may not open XMPP WebSockets here"
            }
        }
    }

    /// nil when `fields` ask for a WebSocket with the `xmpp` subprotocol from an allowed
    /// origin; else why not. Without an `Origin` field (a client that is not a browser page)
    /// any origin goes; with one, it must be listed in `allowedOrigins` (`scheme://host[:port]`,
    /// `*` for any), or, when that list is empty, name the same host and port as the
    /// request's `authority` (its `Host`).
    static func refusal(_ fields: HTTPFields, authority: String?, allowedOrigins: [String] = []) -> Refusal? {
        let upgrade = fields[values: .upgrade].flatMap(tokens)
        guard upgrade.contains(where: { $0.lowercased() == "websocket" }) else { return .notAnUpgrade }
        // RFC 6455 §11.3.4: the field may repeat; each holds a comma-separated list.
        let offered = fields[values: .secWebSocketProtocol].flatMap(tokens)
        // Subprotocol names are compared exactly (RFC 6455 §4.1: case-sensitive).
        guard offered.contains(subprotocol) else { return .noXMPPSubprotocol }
        let policy = HTTPOriginPolicy(allowed: allowedOrigins)
        return policy.allows(fields[.origin], authority: authority) ? nil : .originNotAllowed
    }

    /// The response's fields: the chosen subprotocol (RFC 6455 §4.2.2 /subprotocol/).
    static var acceptedFields: HTTPFields { [.secWebSocketProtocol: subprotocol] }

    private static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { token in
            String(token.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
        }.filter { !$0.isEmpty }
    }
}
