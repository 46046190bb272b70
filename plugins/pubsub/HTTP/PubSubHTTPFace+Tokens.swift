import Hummingbird
import ParleyHTTP
import ParleyPubSub
import ParleyXMPP

/// The token routes (`PubSubTokens`): `POST /pubsub/<node>/token` makes the node's token
/// (`201`, the token), `DELETE` revokes it (`204`); both for an owner of the node logged
/// in with HTTP Basic. And the publisher a request's `Authorization: Bearer` names.
extension PubSubHTTPFace {
    /// The node and its owner asking, or the answer refusing the request.
    private func ownedNode(_ request: Request, _ context: HTTPRequestContext) async
        -> Result<(node: PubSubNode, owner: JID), Refusal>
    {
        guard let desk else {
            return .failure(Refusal(answer: Answer.text(.serviceUnavailable, "the pubsub service is not connected")))
        }
        let owner: JID
        switch await basicRequester(request) {
        case .anonymous: return .failure(Refusal(answer: Answer.unauthorized("log in as an owner", realm: serviceDomain)))
        case .refused(let status, let reason): return .failure(Refusal(answer: refusal(status, reason)))
        case .user(let user): owner = user
        }
        guard let id = Self.nodeID(Substring(context.parameters.get("node") ?? ""), limit: limits.maximumNodeIDBytes),
            let node = await desk.node(id)
        else { return .failure(Refusal(answer: Answer.text(.notFound, "no such node"))) }
        // XEP-0060 §4.1: only an owner manages the node.
        guard node.affiliation(of: owner) == .owner else {
            return .failure(Refusal(answer: Answer.text(.forbidden, "only an owner of the node manages its token")))
        }
        return .success((node, owner))
    }

    func issueToken(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        switch await ownedNode(request, context) {
        case .failure(let refusal): return refusal.answer
        case .success(let (node, owner)):
            do {
                return Answer.text(.created, try tokens.issue(for: node, owner: owner))
            } catch {
                return Answer.text(.internalServerError, "the token could not be stored")
            }
        }
    }

    func revokeToken(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        switch await ownedNode(request, context) {
        case .failure(let refusal): return refusal.answer
        case .success(let (node, _)):
            do {
                try tokens.revoke(node.id)
                return Response(status: .noContent)
            } catch {
                return Answer.text(.internalServerError, "the token could not be removed")
            }
        }
    }

    /// The publisher of a request with `Authorization: Bearer <token>` on node `id`: the
    /// owner who made the node's token; nil when the request has no Bearer credentials.
    func bearerPublisher(_ request: Request, node id: String) async -> PubSubHTTPAuth.Requester? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        guard settings.acceptsCredentials else {
            return .refused(.forbidden, "tokens are refused over plain HTTP (http-tls, or http-allow-plain-auth)")
        }
        let token = value.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let node = await desk?.node(id), let owner = tokens.owner(presenting: token, for: node) else {
            return .refused(.unauthorized, "not this node's token")
        }
        return .user(owner)
    }
}
