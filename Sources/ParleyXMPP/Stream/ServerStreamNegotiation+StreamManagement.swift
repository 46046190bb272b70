import ParleyXML

/// XEP-0198 before a resource is bound: `<resume/>` takes the place of binding (§5);
/// `<enable/>` comes only after it (§3).
extension ServerStreamNegotiation {
    mutating func streamManagementBeforeBinding(_ element: XMLElement) -> [Action] {
        guard case .authenticated(let authenticated) = state else {
            return close(StreamError(.policyViolation, text: "stream management is not expected now"))
        }
        switch element.name {
        case "resume":
            guard element[attribute: "previd"] != nil, StreamManagementElements.h(of: element) != nil else {
                return [.send(StreamManagementElements.failed(.badRequest))]
            }
            state = .binding(Binding(account: authenticated.account, iq: element))
            return [.resumeSession(element)]
        case "enable":
            // §3: a client enables management after binding a resource.
            return [.send(StreamManagementElements.failed(.unexpectedRequest))]
        default:
            return close(StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>"))
        }
    }

    /// The answer to `.resumeSession`.
    public mutating func receiveResume(_ result: ResumeResult) -> [Action] {
        guard case .binding(let binding) = state else { return [] }
        switch result {
        case .resumed(let jid):
            state = .bound(Bound(jid: jid))
            return [.acceptResumption]
        case .failed(let reply):
            // §5: the client may bind a new resource on this stream.
            state = .authenticated(Authenticated(account: binding.account))
            return [.send(reply)]
        }
    }
}
