import NIOCore
import ParleyServerNIO
import ParleyXML

/// A connection actor that runs on its channel's event loop (its executor is the loop's),
/// so the NIO shell hands it stream events synchronously, in order, on the right thread.
///
/// Adopted by the listeners' connection actors; `XMPPStreamChannelHandler` feeds it, and
/// the server runtime (`ServerListener`, `ConnectionRegistry`, `LoopSweeper`) keeps it
/// while open and ticks it.
public protocol XMPPStreamConnection: LoopBoundConnection {
    /// One parsed stream event (header, stanza, footer).
    func receive(_ event: XMLStreamEvent)
    /// The parser or the transport failed.
    func failed(_ error: any Error)
    /// A user inbound event from the pipeline, on the event loop; returns whether it was
    /// handled (unhandled ones are passed on). By default none is.
    nonisolated func userInboundEvent(_ event: Any) -> Bool
    /// The TCP connection is gone; called on the event loop, outside the actor.
    nonisolated func channelInactive()
    /// Timeouts and keepalives; called by the loop's sweeper.
    func tick()
}

extension XMPPStreamConnection {
    public nonisolated func userInboundEvent(_ event: Any) -> Bool { false }

    /// The sweeper's tick: XMPP connections read the clock themselves.
    public func tick(now: NIODeadline) { tick() }
}
