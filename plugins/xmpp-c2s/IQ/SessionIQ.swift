import ParleyXMPP

/// RFC 3921 §3: the legacy session establishment, answered with success for old clients
/// (RFC 6121 Appendix E keeps the feature optional).
struct SessionIQ: IQHandler {
    let namespace = XMPPNamespace.session
    var features: [String] { [] }

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        request.isSet ? .result(nil) : .error(StanzaError(.badRequest))
    }
}
