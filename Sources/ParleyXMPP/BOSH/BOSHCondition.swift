/// XEP-0124 §17.2's terminal binding conditions: the `condition` of a
/// `<body type='terminate'/>`, sent with HTTP 200 (§17.1: HTTP error codes are for
/// clients older than version 1.6 only), after which the session is gone.
public enum BOSHCondition: String, Error, Sendable, Hashable {
    /// The request's format is not acceptable (not XML, not a `<body/>`, no `rid`).
    case badRequest = "bad-request"
    /// The `to` of the session creation request is not served here.
    case hostUnknown = "host-unknown"
    /// An unknown `sid`, a `rid` beyond the window (§14.2), or one whose response is no
    /// longer kept (§14.3).
    case itemNotFound = "item-not-found"
    /// The client broke the session's rules.
    case policyViolation = "policy-violation"
    /// The server cannot take a session now (its session limit is reached).
    case remoteConnectionFailed = "remote-connection-failed"
    /// XEP-0206 §6: the XMPP stream ended with a stream error, which the body carries.
    case remoteStreamError = "remote-stream-error"
    /// The server is shutting down.
    case systemShutdown = "system-shutdown"
    /// Anything else.
    case undefinedCondition = "undefined-condition"
}
