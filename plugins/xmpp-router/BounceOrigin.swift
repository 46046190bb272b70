import ParleyCore

/// Where a stanza queued for a component came from, so that it can be answered with an
/// error if it is never written (the component was cut off or went away).
enum BounceOrigin: Sendable {
    /// Through the chat model (a user, an in-process component): the error goes back
    /// through the model, from the component's address.
    case model(ComponentTraffic)
    /// From another component of this router, on the fast path: the error goes straight to
    /// that component's outbox. The stanza itself is not kept: it is read back from the
    /// queued bytes if it is ever bounced (rarely), which keeps the fast path lean.
    case component(ComponentOutbox)
}
