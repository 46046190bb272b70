import ParleyXML
import ParleyXMPP

/// The checks on a component's stream header (XEP-0114 §2, RFC 6120 §4.9.3), as a pure
/// function: which domain it asks for, or the stream error that refuses it.
enum AcceptStreamCheck {
    /// The normalized domain the header asks to serve, or the stream error.
    static func domain(in header: XMLStreamHeader, secrets: ComponentSecrets) -> Result<String, StreamError> {
        // RFC 6120 §4.9.3.10 and XEP-0114 §2: `stream` in the streams namespace, content in
        // jabber:component:accept (no version is required of a component).
        if let error = StreamHeaderCheck.rootError(in: header, framing: .tcp, contentNamespace: XMPPNamespace.component) {
            return .failure(error)
        }
        // §2: `to` names the component's domain; §3: only domains with a secret are served.
        guard let to = header.attribute("to"), let jid = JID(to), jid.localpart == nil, jid.resource == nil,
            secrets.secret(for: jid.domain) != nil
        else {
            let asked = String((header.attribute("to") ?? "").prefix(100))
            return .failure(StreamError(.hostUnknown, text: "no component domain '\(asked)' is configured here"))
        }
        return .success(jid.domain)
    }
}
