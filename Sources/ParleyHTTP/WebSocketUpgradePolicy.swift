import Hummingbird

/// What a WebSocket endpoint on a shared listener accepts as an opening handshake (RFC 6455
/// §4.2.1): an HTTP/1.1 upgrade to `websocket`, one of the endpoint's subprotocols (when it
/// names any), from a browser page of an allowed origin. A pure function of the request's
/// header fields, so each endpoint (RFC 7395's `/xmpp-websocket`, the JSON event API)
/// checks requests the same way and tests need no connection.
public struct WebSocketUpgradePolicy: Sendable, Equatable {
    /// The subprotocols the endpoint speaks, preferred first (RFC 6455 §1.9).
    public let subprotocols: [String]
    /// Whether a request offering none of `subprotocols` (or none at all) is refused.
    public let subprotocolRequired: Bool
    /// Origins (`scheme://host[:port]`, `*` for any) whose pages may connect; empty: the
    /// same origin as the request's own `Host`.
    public let allowedOrigins: [String]

    public init(subprotocols: [String], subprotocolRequired: Bool, allowedOrigins: [String]) {
        self.subprotocols = subprotocols
        self.subprotocolRequired = subprotocolRequired
        self.allowedOrigins = allowedOrigins
    }

    /// Why a handshake is refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// Not a WebSocket upgrade at all: 426 Upgrade Required (RFC 9110 §15.5.22).
        case notAnUpgrade
        /// None of the endpoint's subprotocols offered (RFC 6455 §4.2.2: the server cannot
        /// speak any subprotocol offered): 400.
        case noSubprotocol
        /// A browser page from an origin not allowed (RFC 6455 §10.2): 400.
        case originNotAllowed
        /// A `Sec-WebSocket-Version` other than 13: 426 naming version 13 (RFC 6455 §4.2.2).
        case unsupportedVersion
        /// No single `Sec-WebSocket-Key`, or another field RFC 6455 §4.2.1 requires: 400.
        case malformedHandshake

        /// The HTTP status a request refused for this gets.
        public var status: HTTPResponse.Status {
            switch self {
            case .notAnUpgrade, .unsupportedVersion: HTTPResponse.Status(code: 426, reasonPhrase: "Upgrade Required")
            case .noSubprotocol, .originNotAllowed, .malformedHandshake: .badRequest
            }
        }
    }

    /// The line every endpoint gives for the refusals of RFC 6455's own handshake fields;
    /// nil for the endpoint's own (upgrade, subprotocol, origin).
    public static func handshakeMessage(for refusal: Refusal) -> String? {
        switch refusal {
        case .unsupportedVersion: "WebSocket version 13 only (RFC 6455 section 4.2.2)"
        case .malformedHandshake: "a WebSocket handshake needs one Sec-WebSocket-Key (RFC 6455 section 4.2.1)"
        case .notAnUpgrade, .noSubprotocol, .originNotAllowed: nil
        }
    }

    /// The subprotocol to answer with (nil: none) when `fields` may open the WebSocket;
    /// else why not. Without an `Origin` field (a client that is not a browser page) any
    /// origin goes; with one, it must be in `allowedOrigins`, or, when that list is empty,
    /// name the same host and port as the request's `authority` (its `Host`).
    public func check(_ fields: HTTPFields, authority: String?) -> Result<String?, Refusal> {
        let upgrade = fields[values: .upgrade].flatMap(Self.tokens)
        guard upgrade.contains(where: { $0.lowercased() == "websocket" }) else { return .failure(.notAnUpgrade) }
        // RFC 6455 §11.3.4: the field may repeat; each holds a comma-separated list.
        // Subprotocol names are compared exactly (§4.1: case-sensitive).
        let offered = fields[values: .secWebSocketProtocol].flatMap(Self.tokens)
        let chosen = subprotocols.first { offered.contains($0) }
        if chosen == nil, subprotocolRequired || !offered.isEmpty { return .failure(.noSubprotocol) }
        guard originAllowed(fields[.origin], authority: authority) else { return .failure(.originNotAllowed) }
        return .success(chosen)
    }

    /// Whether a request with `origin` (nil: no `Origin` field) and `authority` passes the
    /// origin rule; also for the plain HTTP requests an endpoint serves beside its socket.
    public func originAllowed(_ origin: String?, authority: String?) -> Bool {
        guard let origin else { return true }
        if allowedOrigins.isEmpty {
            guard let authority else { return false }
            return Self.authority(of: origin) == authority.lowercased()
        }
        let lowered = origin.lowercased()
        return allowedOrigins.contains { $0 == "*" || $0.lowercased() == lowered }
    }

    /// The origins an `http-allowed-origins` option lists: comma-separated, spaces ignored.
    public static func origins(option: String) -> [String] {
        option.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }

    /// `host[:port]` of `scheme://host[:port]`, lowercased; nil for anything else
    /// (`null`, a path).
    public static func authority(of origin: String) -> String? {
        guard let separator = origin.range(of: "://") else { return nil }
        let rest = origin[separator.upperBound...]
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return rest.lowercased()
    }

    private static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { token in
            String(token.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
        }.filter { !$0.isEmpty }
    }
}
