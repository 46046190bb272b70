import ParleyXMPP

/// XEP-0199 §4.2: a ping to the server is answered with an empty result.
struct PingIQ: IQHandler {
    let namespace = XMPPNamespace.ping
    var features: [String] { [XMPPNamespace.ping] }

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        if request.isSet { return .getOnly }
        return request.child.name == "ping" ? .result(nil) : .error(StanzaError(.badRequest))
    }
}
