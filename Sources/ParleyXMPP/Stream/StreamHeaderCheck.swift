import ParleyXML

/// The checks on a peer's stream header (RFC 6120 §4.7, §4.9.3), as a pure function.
public enum StreamHeaderCheck {
    /// nil when the header opens a stream in `contentNamespace` (`jabber:client`) to
    /// `domain`; else the stream error.
    public static func error(in header: XMLStreamHeader, domain: String, framing: StreamFraming,
        contentNamespace: String = XMPPNamespace.client) -> StreamError?
    {
        if let error = rootError(in: header, framing: framing, contentNamespace: contentNamespace) { return error }
        // §4.7.5: a major version other than 1 is unsupported; none at all means pre-1.0.
        guard let version = header.attribute("version"),
            version.split(separator: ".").first.flatMap({ Int($0) }) == 1
        else {
            return StreamError(.unsupportedVersion, text: "XMPP version 1.0 is required")
        }
        // §4.9.3.6: `to` must name a domain this server serves.
        guard let to = header.attribute("to"), let jid = JID(to), jid.localpart == nil, jid.resource == nil,
            jid.domain == domain
        else {
            return StreamError(.hostUnknown, text: "this server serves \(domain)")
        }
        return nil
    }

    /// nil when the stream's root element and content namespace are right for `framing`
    /// (a component stream, XEP-0114 §2, checks only these and its own `to`).
    public static func rootError(in header: XMLStreamHeader, framing: StreamFraming, contentNamespace: String)
        -> StreamError?
    {
        switch framing {
        case .tcp:
            // §4.9.3.10: the root must be `stream` in the streams namespace.
            guard header.name == "stream", header.namespace == XMPPNamespace.streams else {
                return StreamError(.invalidNamespace, text: "the stream root must be {\(XMPPNamespace.streams)}stream")
            }
            // §4.8.1–4.8.2: the content namespace (jabber:client; XEP-0114 §2: jabber:component:accept).
            guard header.defaultNamespace == contentNamespace else {
                return StreamError(.invalidNamespace, text: "the default namespace must be \(contentNamespace)")
            }
        case .webSocket:
            // RFC 7395 §3.3.2: the stream opens with <open/> in the framing namespace.
            guard header.name == "open", header.namespace == XMPPNamespace.framing else {
                return StreamError(.invalidNamespace, text: "the stream opens with {\(XMPPNamespace.framing)}open")
            }
        case .bosh:
            // XEP-0206 §3: the session creation request, a <body/> in the httpbind namespace.
            guard header.name == "body", header.namespace == XMPPNamespace.httpBind else {
                return StreamError(.invalidNamespace, text: "the stream opens with {\(XMPPNamespace.httpBind)}body")
            }
        }
        return nil
    }
}
