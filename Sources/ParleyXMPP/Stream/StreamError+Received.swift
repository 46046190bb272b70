import ParleyCore
import ParleyXML

extension StreamError {
    /// The error a peer sent in `<stream:error/>` (RFC 6120 §4.9.2): its first defined
    /// condition (else undefined-condition) and its text.
    public init(received element: XMLElement) {
        let name = element.elements.first { $0.namespace == XMPPNamespace.streamErrors && $0.name != "text" }?.name
        let text = element.firstChild(named: "text", namespace: XMPPNamespace.streamErrors)?.text
        self.init(name.flatMap(Condition.init(rawValue:)) ?? .undefinedCondition, text: text)
    }

    /// How soon a client refused with this error should try again: a server going away or
    /// timing out is transient; a refusal (wrong secret or account, unknown host, conflict)
    /// would fail the same way at once, so it waits the longest backoff.
    public var retry: BackoffRetry {
        switch condition {
        case .systemShutdown, .connectionTimeout, .reset, .internalServerError, .seeOtherHost:
            .backoff
        default:
            .longest
        }
    }
}
