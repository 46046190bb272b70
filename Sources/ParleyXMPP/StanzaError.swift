import ParleyXML

/// A stanza-level error (RFC 6120 §8.3): returned to the sender in a stanza of type
/// `error`; the stream goes on.
public struct StanzaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The error types (RFC 6120 §8.3.2).
    public enum ErrorType: String, Hashable, Sendable {
        case auth, cancel, `continue`, modify, wait
    }

    /// The defined conditions (RFC 6120 §8.3.3), each with its usual type.
    public enum Condition: String, Hashable, Sendable, CaseIterable {
        case badRequest = "bad-request"
        case conflict
        case featureNotImplemented = "feature-not-implemented"
        case forbidden
        case gone
        case internalServerError = "internal-server-error"
        case itemNotFound = "item-not-found"
        case jidMalformed = "jid-malformed"
        case notAcceptable = "not-acceptable"
        case notAllowed = "not-allowed"
        case notAuthorized = "not-authorized"
        case policyViolation = "policy-violation"
        case recipientUnavailable = "recipient-unavailable"
        case redirect
        case registrationRequired = "registration-required"
        case remoteServerNotFound = "remote-server-not-found"
        case remoteServerTimeout = "remote-server-timeout"
        case resourceConstraint = "resource-constraint"
        case serviceUnavailable = "service-unavailable"
        case subscriptionRequired = "subscription-required"
        case undefinedCondition = "undefined-condition"
        case unexpectedRequest = "unexpected-request"

        /// The type RFC 6120 §8.3.3 gives in its examples for each condition.
        public var defaultType: ErrorType {
            switch self {
            case .badRequest, .jidMalformed, .notAcceptable, .policyViolation, .redirect: .modify
            case .forbidden, .notAuthorized, .registrationRequired, .subscriptionRequired: .auth
            case .internalServerError, .recipientUnavailable, .remoteServerTimeout, .resourceConstraint,
                .unexpectedRequest:
                .wait
            case .conflict, .featureNotImplemented, .gone, .itemNotFound, .notAllowed, .remoteServerNotFound,
                .serviceUnavailable, .undefinedCondition:
                .cancel
            }
        }
    }

    public var condition: Condition
    public var type: ErrorType
    public var text: String?
    /// RFC 6120 §8.3.4: an application-specific condition, after the defined one
    /// (XEP-0060's `<closed-node xmlns='…pubsub#errors'/>`).
    public var applicationCondition: XMLElement?

    public init(_ condition: Condition, type: ErrorType? = nil, text: String? = nil, applicationCondition: XMLElement? = nil) {
        self.condition = condition
        self.type = type ?? condition.defaultType
        self.text = text
        self.applicationCondition = applicationCondition
    }

    /// The `<error/>` child of an error stanza (in the stanza's own namespace).
    public func element(namespace: String = XMPPNamespace.client) -> XMLElement {
        var error = XMLElement(
            name: "error", namespace: namespace, attributes: [XMLAttribute("type", value: type.rawValue)])
        error.append(XMLElement(name: condition.rawValue, namespace: XMPPNamespace.stanzaErrors))
        if let text {
            error.append(
                XMLElement(
                    name: "text", namespace: XMPPNamespace.stanzaErrors,
                    attributes: [XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en")], children: [.text(text)]))
        }
        if let applicationCondition { error.append(applicationCondition) }
        return error
    }

    /// Reads the `<error/>` child of an error stanza; nil when there is none.
    public init?(from stanza: XMLElement) {
        guard let error = stanza.firstChild(named: "error") else { return nil }
        let condition = error.elements.lazy.compactMap { child in
            child.namespace == XMPPNamespace.stanzaErrors ? Condition(rawValue: child.name) : nil
        }.first ?? .undefinedCondition
        let text = error.firstChild(named: "text", namespace: XMPPNamespace.stanzaErrors)?.text
        self.init(
            condition, type: error[attribute: "type"].flatMap(ErrorType.init(rawValue:)), text: text,
            applicationCondition: error.elements.first { $0.namespace != XMPPNamespace.stanzaErrors })
    }

    /// The error reply to `stanza` (RFC 6120 §8.3.1): addresses swapped, type `error`, the
    /// original payload kept, the error element appended.
    /// `includingOriginal: false` leaves the original's children out (RFC 6120 §8.3.1 allows
    /// it): an answer to a flood should not be as large as the flood.
    public func reply(to stanza: XMLElement, includingOriginal: Bool = true) -> XMLElement {
        var reply = stanza
        if !includingOriginal { reply.children = [] }
        reply[attribute: "to"] = stanza[attribute: "from"]
        reply[attribute: "from"] = stanza[attribute: "to"]
        reply[attribute: "type"] = "error"
        reply.append(element(namespace: stanza.namespace))
        return reply
    }

    public var description: String { "\(type.rawValue)/\(condition.rawValue)" + (text.map { ": \($0)" } ?? "") }
}
