import Foundation
import Hummingbird
import NIOCore
import ParleyHTTP
import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// The routes: `GET /pubsub/<node>` (JSON), `GET /pubsub/<node>.atom` (Atom),
/// `GET /pubsub/<node>/events` (server-sent events), `POST /pubsub/<node>` (publish).
extension PubSubHTTPFace {
    typealias Answer = PubSubHTTPResponses

    /// The node id of a path segment as sent: percent-decoded once (RFC 3986 §2.1), then
    /// held to the service's own node-id rules (length, no control characters, no `..`
    /// segment); nil for anything else. A node named `x.atom` is asked for as `x%2Eatom`.
    static func nodeID(_ segment: Substring, limit: Int) -> String? {
        guard let decoded = segment.removingPercentEncoding, PubSubLimits.isAcceptableID(decoded, limit: limit)
        else { return nil }
        return decoded
    }

    /// An answer that refuses a request.
    struct Refusal: Error {
        let answer: Response
    }

    /// The node of a readable request, or the answer refusing it.
    private func readable(_ segment: Substring, _ request: Request) async -> Result<PubSubNode, Refusal> {
        guard let desk else {
            return .failure(Refusal(answer: Answer.text(.serviceUnavailable, "the pubsub service is not connected")))
        }
        guard let id = Self.nodeID(segment, limit: limits.maximumNodeIDBytes) else {
            return .failure(Refusal(answer: Answer.text(.notFound, "no such node")))
        }
        let requester: JID?
        switch await basicRequester(request) {
        case .refused(let status, let reason):
            return .failure(Refusal(answer: refusal(status, reason)))
        case .anonymous: requester = nil
        case .user(let jid): requester = jid
        }
        return await desk.readableNode(id, by: requester).mapError {
            Refusal(answer: Answer.failure($0, anonymous: requester == nil, realm: serviceDomain))
        }
    }

    /// Who the request's HTTP Basic credentials name (the portal checks them).
    func basicRequester(_ request: Request) async -> PubSubHTTPAuth.Requester {
        await PubSubHTTPAuth.requester(
            authorization: request.headers[.authorization], acceptCredentials: settings.acceptsCredentials, portal: portal,
            domain: accountDomain)
    }

    /// A refused login: `401` with the challenge, or the status given.
    func refusal(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        status == .unauthorized ? Answer.unauthorized(reason, realm: serviceDomain) : Answer.text(status, reason)
    }

    /// `GET /pubsub/<node>` and `GET /pubsub/<node>.atom`.
    func read(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        let segment = Substring(context.parameters.get("node") ?? "")
        let isAtom = segment.hasSuffix(".atom")
        switch await readable(isAtom ? segment.dropLast(".atom".count) : segment, request) {
        case .failure(let refusal): return refusal.answer
        case .success(let node) where isAtom:
            // RFC 4287 §7: application/atom+xml.
            return Answer.body(
                .ok, PubSubFeedRenderer.atom(node, service: serviceDomain), type: "application/atom+xml; charset=utf-8")
        case .success(let node):
            return Answer.body(.ok, PubSubFeedRenderer.json(node: node.id, items: node.items), type: "application/json")
        }
    }

    /// `GET /pubsub/<node>/events`: `text/event-stream`, a comment line at once, then one
    /// event per publish, retraction, purge and deletion (the stream ends after a deletion).
    func events(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        let node: PubSubNode
        switch await readable(Substring(context.parameters.get("node") ?? ""), request) {
        case .failure(let refusal): return refusal.answer
        case .success(let readable): node = readable
        }
        let channel = context.channel
        // A reader that falls behind is dropped: its connection is closed.
        guard let follower = hub.follow(node.id, drop: { channel.close(promise: nil) }) else {
            return Answer.text(.serviceUnavailable, "too many event streams are open")
        }
        // A reader that goes away ends its stream at once, not at the next event.
        channel.closeFuture.whenComplete { _ in follower.end() }
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        if let buffering = HTTPFields.Element.Name("X-Accel-Buffering") { headers[buffering] = "no" }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // Lines starting with ':' are comments to an EventSource: this one says the
                // stream follows the node (a test waits for it before publishing).
                try await writer.write(ByteBuffer(string: ": following\n\n"))
                for await event in follower.stream { try await writer.write(ByteBuffer(bytes: event)) }
                try await writer.finish(nil)
            })
    }

    /// `POST /pubsub/<node>`: the body, an XML element of at most the service's payload
    /// limit, parsed by the project's parser (no DTD, no entities), published as one item
    /// by the HTTP Basic user, or by the owner who made the node's token for a request
    /// with `Authorization: Bearer <token>`; `201` and the item id.
    func publish(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        guard let desk else { return Answer.text(.serviceUnavailable, "the pubsub service is not connected") }
        guard let id = Self.nodeID(Substring(context.parameters.get("node") ?? ""), limit: limits.maximumNodeIDBytes)
        else { return Answer.text(.notFound, "no such node") }
        let jid: JID
        var requester = await bearerPublisher(request, node: id)
        if requester == nil { requester = await basicRequester(request) }
        switch requester ?? .anonymous {
        case .anonymous: return Answer.unauthorized("log in to publish", realm: serviceDomain)
        case .refused(let status, let reason): return refusal(status, reason)
        case .user(let user): jid = user
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maximumPayloadBytes)
        } catch {
            return Answer.text(.contentTooLarge, "the payload is larger than \(limits.maximumPayloadBytes) bytes")
        }
        let payload: XMLElement
        do {
            payload = try XMLStreamParser.parseDocument(
                body.readableBytesView, limits: XMLLimits(maxStanzaBytes: limits.maximumPayloadBytes))
        } catch {
            return Answer.text(.badRequest, "the body is not one well-formed XML element: \(error)")
        }
        switch await desk.publish(payload, to: id, by: jid) {
        case .success(let item): return Answer.text(.created, item)
        case .failure(let error): return Answer.failure(error, anonymous: false, realm: serviceDomain)
        }
    }
}
