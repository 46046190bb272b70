import ParleyXML
import ParleyXMPP

/// The checks on a client's stream header (RFC 6120 §4.7, §4.9.3), as a pure function.
enum StreamHeaderCheck {
    /// nil when the header opens a client stream to `domain`; else the stream error.
    static func error(in header: XMLStreamHeader, domain: String) -> StreamError? {
        // §4.9.3.10: the root must be `stream` in the streams namespace.
        guard header.name == "stream", header.namespace == XMPPNamespace.streams else {
            return StreamError(.invalidNamespace, text: "the stream root must be {\(XMPPNamespace.streams)}stream")
        }
        // §4.8.1–4.8.2: the content namespace of a client stream is jabber:client.
        guard header.defaultNamespace == XMPPNamespace.client else {
            return StreamError(.invalidNamespace, text: "the default namespace must be jabber:client")
        }
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
}
