import ParleyXML

/// Resource binding (RFC 6120 §7) and the checks on the bound stream's stanzas (§8.1).
extension ServerStreamNegotiation {
    mutating func bind(_ iq: XMLElement) -> [Action] {
        guard case .authenticated(let authenticated) = state else {
            return close(StreamError(.policyViolation, text: "resource binding is not expected now"))
        }
        guard let request = iq.firstChild(named: "bind", namespace: XMPPNamespace.bind), iq[attribute: "type"] == "set" else {
            if iq.firstChild(named: "session", namespace: XMPPNamespace.session) != nil {
                return close(StreamError(.notAuthorized, text: "bind a resource first"))
            }
            return close(StreamError(.notAuthorized, text: "bind a resource before sending stanzas"))
        }
        let resource: String
        if let requested = request.firstChild(named: "resource", namespace: XMPPNamespace.bind) {
            // §7.7.2.1: an invalid resourcepart is bad-request.
            guard let jid = try? JID(parsing: "\(authenticated.account)/\(requested.text)"), let name = jid.resource else {
                return [.send(StanzaError(.badRequest, text: "invalid resource").reply(to: iq))]
            }
            resource = name
        } else {
            // §7.6: the server generates a resource when the client asks for none.
            resource = "parley-\(configuration.makeID(6))"
        }
        state = .binding(Binding(account: authenticated.account, iq: iq))
        return [.bindResource(iq: iq, resource: resource)]
    }

    /// The answer to `.bindResource`.
    public mutating func receiveBind(_ result: BindResult) -> [Action] {
        guard case .binding(let binding) = state else {
            // The stream closed meanwhile: the session is not used.
            if case .bound = result { return [.refuseSession] }
            return []
        }
        switch result {
        case .bound(let jid):
            state = .bound(Bound(jid: jid))
            var reply = XMLElement(
                name: "iq", namespace: configuration.contentNamespace,
                attributes: [XMLAttribute("type", value: "result"), XMLAttribute("id", value: binding.iq[attribute: "id"] ?? "")])
            var bound = XMLElement(name: "bind", namespace: XMPPNamespace.bind)
            bound.append(text: jid.description, in: "jid", namespace: XMPPNamespace.bind)
            reply.append(bound)
            return [.acceptSession, .send(reply)]
        case .refused(let error):
            state = .authenticated(Authenticated(account: binding.account))
            return [.send(error.reply(to: binding.iq))]
        }
    }

    /// The common case on a bound stream, without the array of `receiveElement`: the element
    /// when it is a stanza the stream accepts as is; nil sends the caller to
    /// `receiveElement`, which says what is wrong.
    public func acceptedStanza(_ element: XMLElement) -> XMLElement? {
        guard case .bound(let bound) = state, refusal(of: element, jid: bound.jid) == nil else { return nil }
        return element
    }

    mutating func boundElement(_ element: XMLElement, jid: JID) -> [Action] {
        // XEP-0198 (enable, requests, acks) and XEP-0352 (active, inactive) are the connection's.
        if configuration.handsOver(element.namespace) { return [.nonza(element)] }
        if let error = refusal(of: element, jid: jid) { return close(error) }
        return [.stanza(element)]
    }

    /// Why a top-level element of the bound stream is refused, nil for a stanza (RFC 6120
    /// §8: message, presence or iq in the content namespace) whose `from`, if any, is the
    /// client's own address (§8.1.2.1).
    private func refusal(of element: XMLElement, jid: JID) -> StreamError? {
        guard element.namespace == configuration.contentNamespace else {
            return StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>")
        }
        if let from = element[attribute: "from"] {
            guard let claimed = JID(from), claimed == jid || claimed == jid.bare else {
                return StreamError(.invalidFrom, text: "'\(from)' is not your address")
            }
        }
        switch element.name {
        case "message", "presence", "iq": return nil
        default: return StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>")
        }
    }
}
