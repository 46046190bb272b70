import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ParleyHTTP
import ParleyXML
import ParleyXMPP

/// `/http-bind` on the shared HTTP listener: XMPP over BOSH (XEP-0124, XEP-0206), each
/// session a `C2SConnection` on a `BOSHTransport`, so the negotiation (SASL, bind) and the
/// session (roster, presence, messages, MUC, PEP…) are the TCP listener's. This type only
/// moves requests: it bounds and parses the body (the project's parser: no DTD, no
/// entities), finds or creates the session, and answers with what the session's machine
/// decides; CORS (XEP-0124 §5) follows `http-allowed-origins` as the WebSocket does.
enum C2SBOSHRoute {
    static let path = "/http-bind"
    /// `polling` (XEP-0124 §12): the shortest interval between a polling client's requests.
    static let polling = 2
    /// Bytes a request's `<body/>` wrapper may add to the largest stanza.
    static let wrapperAllowance = 4096

    /// Mounts the endpoint on `listener`, over `tls` when given (`https:`).
    static func mount(on listener: HTTPListener, shared: C2SShared, tls: HTTPTLS? = nil) throws {
        let settings = shared.settings
        let logger = shared.logger
        let origins = WebSocketUpgradePolicy(subprotocols: [], subprotocolRequired: false, allowedOrigins: settings.httpAllowedOrigins)
        // A held request stays open for up to `bosh-max-wait`; the hold is not idle time.
        let limits = HTTPLimits(maximumConnections: 4096, idleTimeout: 30)
        let host = settings.httpHost
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: path, limits: limits, tls: tls,
                routes: { group in
                    group.post("") { request, context -> Response in
                        let origin = request.headers[.origin]
                        guard origins.originAllowed(origin, authority: request.head.authority) else {
                            return Response(status: .forbidden)
                        }
                        var request = request
                        let body: ByteBuffer
                        do {
                            body = try await request.collectBody(upTo: settings.maxStanzaBytes + wrapperAllowance)
                        } catch {
                            // Too large to read: 413, the session (if any) untouched, as Prosody does.
                            logger.info("BOSH request over the size limit", metadata: ["limit": "\(settings.maxStanzaBytes)"])
                            return Response(status: .contentTooLarge, headers: cors(origin))
                        }
                        let answer = await exchange(
                            body, eventLoop: context.channel.eventLoop, peer: context.channel.remoteAddress?.description ?? "?",
                            shared: shared,
                            connection: BOSHConnection(
                                overTLS: tls != nil, local: context.channel.localAddress, peer: context.channel.remoteAddress))
                        var headers = cors(origin)
                        headers[.contentType] = BOSHBodyWriter.contentType
                        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer)))
                    }
                    // XEP-0124 §5 and the Fetch standard's CORS preflight.
                    group.on("", method: .options) { request, _ -> Response in
                        let origin = request.headers[.origin]
                        guard origin != nil, origins.originAllowed(origin, authority: request.head.authority) else {
                            return Response(status: .forbidden)
                        }
                        var headers = cors(origin)
                        headers[.accessControlAllowMethods] = "POST, OPTIONS"
                        headers[.accessControlAllowHeaders] = "Content-Type"
                        headers[.accessControlMaxAge] = "86400"
                        return Response(status: .noContent, headers: headers)
                    }
                },
                bound: { port in
                    logger.notice(
                        "xmpp-c2s BOSH listening",
                        metadata: [
                            "port": "\(port)",
                            "url": "\(tls == nil ? "http" : "https")://\(HTTPAddress(host: host, port: port))\(path)",
                        ])
                }))
    }

    /// The CORS fields of an allowed browser request (none without `Origin`).
    private static func cors(_ origin: String?) -> HTTPFields {
        guard let origin else { return [:] }
        return [.accessControlAllowOrigin: origin, .vary: "Origin"]
    }

    /// The answer to one request body: a new session's first response, an existing
    /// session's, or a terminal condition (XEP-0124 §17.2, HTTP 200 all). A new session
    /// runs on `eventLoop` (its first request's), secure from its start when its connection
    /// is (`C2SShared.isSecureWebClient`: `overTLS`, or from loopback to loopback); `peer`
    /// names the client in the log.
    static func exchange(
        _ body: ByteBuffer, eventLoop: any EventLoop, peer: String, shared: C2SShared, connection: BOSHConnection
    ) async -> [UInt8] {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes + wrapperAllowance
        let request: BOSHRequest
        switch BOSHRequest.decode(body.readableBytesView, limits: limits) {
        case .success(let decoded): request = decoded
        case .failure(let condition):
            shared.logger.info("BOSH request refused", metadata: ["condition": "\(condition.rawValue)"])
            return terminal(condition)
        }
        guard let sid = request.sid else { return await create(request, eventLoop: eventLoop, peer: peer, shared: shared, connection: connection) }
        guard let session = shared.boshSessions.session(sid) else { return terminal(.itemNotFound) }
        guard !session.isSecure || connection.isSecure(shared) else {
            // A session begun over https (or from loopback) continued over a clear network
            // connection: refused, the session left to its own https requests.
            shared.logger.notice("BOSH request of a secure session over a clear connection refused", metadata: ["peer": "\(peer)"])
            return terminal(.policyViolation)
        }
        // The inbox's backpressure (`inbound-queue-limit`): no new payload until it has room.
        await session.connection?.waitForRoom()
        return await session.exchange(request)
    }

    /// XEP-0124 §7.1: a new session, its stream opened at once (XEP-0206 §3).
    private static func create(
        _ request: BOSHRequest, eventLoop: any EventLoop, peer: String, shared: C2SShared, connection: BOSHConnection
    ) async -> [UInt8] {
        let settings = shared.settings
        guard request.to != nil else { return terminal(.badRequest) }
        guard shared.boshSessions.count < shared.boshSessions.limit else {
            shared.logger.notice("BOSH session refused: at bosh-max-sessions", metadata: ["limit": "\(settings.boshMaxSessions)"])
            return terminal(.remoteConnectionFailed)
        }
        let parameters = BOSHParameters(
            sid: BOSHSessions.makeSID(), request: request, maximumWait: settings.boshMaxWait,
            inactivity: settings.boshInactivity, polling: polling, domain: shared.chat.domain)
        return await withCheckedContinuation { continuation in
            let transport = BOSHTransport(
                parameters: parameters, creation: request, continuation: continuation, eventLoop: eventLoop, peer: peer,
                sessions: shared.boshSessions, isSecure: connection.isSecure(shared))
            guard shared.boshSessions.insert(transport) else {
                continuation.resume(returning: terminal(.remoteConnectionFailed))
                return
            }
            let connection = C2SConnection(
                transport: transport, shared: shared, parser: nil,
                stream: transport.isSecure ? shared.boshNegotiationOverTLS : shared.boshNegotiation)
            shared.connections.track(connection)
            transport.attach(connection)
        }
    }

    private static func terminal(_ condition: BOSHCondition) -> [UInt8] {
        BOSHBodyWriter.bytes(.terminate(condition), parameters: nil, streamID: nil)
    }
}

/// The HTTP connection a BOSH request came on, for the security of a session it creates.
struct BOSHConnection: Sendable {
    var overTLS: Bool
    var local: SocketAddress?
    var peer: SocketAddress?

    /// Whether a stream begun on it is secure from its start (`C2SShared.isSecureWebClient`).
    func isSecure(_ shared: C2SShared) -> Bool { shared.isSecureWebClient(overTLS: overTLS, local: local, peer: peer) }
}
