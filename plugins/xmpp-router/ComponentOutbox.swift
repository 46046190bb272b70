import NIOCore
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// The outbound half of one component connection: what the chat model delivers to the
/// component (`ComponentHandler`) and what other components forward to it on the fast
/// path, serialized and written with coalesced flushes (one flush per event-loop turn, as
/// `C2SMind` does).
///
/// Everything queued is bounded by `limit` bytes, counted until the socket took it: a
/// component that stops reading is cut off (`QueueOverflow` is fired into its pipeline)
/// instead of growing memory. Forwarding components are paused above a quarter of the
/// limit (`congested`) and resumed below an eighth. Stanzas that expect an answer and are
/// never written — still queued when the connection ends, or failed by the socket — are
/// bounced (`Bounce`).
final class ComponentOutbox: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    let channel: any Channel
    let codec: ComponentStanzaCodec
    let limit: Int
    private let highWater: Int
    private let lowWater: Int

    /// Why a stanza was not queued.
    enum Refused: Error {
        /// The connection has ended.
        case closed
        /// The queue limit would be crossed; the component is being cut off.
        case overflow
    }

    /// Fired into the channel's pipeline when the queue limit is crossed.
    struct QueueOverflow: Sendable {}

    private struct Entry {
        var buffer: ByteBuffer
        var origin: BounceOrigin?
    }

    private struct State {
        var entries: [Entry] = []
        var scheduled = false
        /// Before the handshake reply is written, nothing may leave.
        var held = true
        var closed = false
        var link: LocalComponentLink?
        /// Components paused until this queue drains, by identity.
        var waiters: [ObjectIdentifier: @Sendable () -> Void] = [:]
        var bounces: [ComponentTraffic] = []
        var bouncing = false
    }

    private let state = Mutex(State())
    /// Bytes queued or written and not yet taken by the socket.
    private let queued = Atomic<Int>(0)
    private let hasWaiters = Atomic<Bool>(false)
    /// When bytes were last handed to the socket (uptime nanoseconds), for keepalives.
    private let lastWrite = Atomic<UInt64>(0)
    /// Bytes the socket has taken (or failed) so far: progress, for stall detection.
    private let confirmed = Atomic<Int>(0)

    init(channel: any Channel, codec: ComponentStanzaCodec, limit: Int) {
        self.channel = channel
        self.codec = codec
        self.limit = limit
        highWater = max(1, limit / 4)
        lowWater = max(1, limit / 8)
        lastWrite.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    // MARK: ComponentHandler (called on the executor of a user or a room)

    func deliver(_ event: ChatEvent, to: Address) throws {
        guard let traffic = ComponentTraffic(event: event, to: to), let element = codec.element(for: traffic) else { return }
        try enqueue(element, origin: Bounce.expectsAnswer(traffic) ? .model(traffic) : nil)
    }

    // MARK: Queueing (any thread)

    /// Serializes `element` and queues it.
    func enqueue(_ element: XMLElement, origin: BounceOrigin?) throws(Refused) {
        var buffer = channel.allocator.buffer(capacity: 0)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.component)
        try enqueue(buffer, origin: origin)
    }

    /// Queues an error the router owes this component for a stanza it sent (a rejection or
    /// a bounce). A reply is never refused for a burst: a whole queue of bounced stanzas
    /// can come back at once when their destination is cut off, and dropping one would
    /// lose it silently. Replies may use twice the limit; past that the component is cut
    /// off (it sees its stream end), which is the only way a reply is lost.
    func enqueueReply(_ element: XMLElement) {
        var buffer = channel.allocator.buffer(capacity: 0)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.component)
        do {
            try enqueue(buffer, origin: nil, ceiling: 2 * limit)
        } catch .overflow {
            let channel = self.channel
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(QueueOverflow()) }
        } catch {}
    }

    /// Queues bytes; they leave with the next flush on the channel's event loop. Crossing
    /// the limit (or `ceiling`, for replies) refuses the stanza, and cuts the component
    /// off when its socket does not take bytes either (it is not reading).
    func enqueue(_ buffer: ByteBuffer, origin: BounceOrigin? = nil, ceiling: Int? = nil) throws(Refused) {
        let size = buffer.readableBytes
        let ceiling = ceiling ?? limit
        let outcome: Result<Bool, Refused> = state.withLock { state in
            guard !state.closed else { return .failure(.closed) }
            guard queued.add(size, ordering: .relaxed).newValue <= ceiling else {
                queued.subtract(size, ordering: .relaxed)
                return .failure(.overflow)
            }
            state.entries.append(Entry(buffer: buffer, origin: origin))
            guard !state.scheduled && !state.held else { return .success(false) }
            state.scheduled = true
            return .success(true)
        }
        switch outcome {
        case .success(true):
            channel.eventLoop.execute { self.flush() }
        case .success(false):
            break
        case .failure(.overflow):
            // A burst can fill the queue faster than one flush empties it into a socket
            // that still takes bytes: refuse the stanza, but cut the component off only
            // when NIO holds back writes too (it is not reading).
            let channel = self.channel
            if !channel.isWritable {
                channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(QueueOverflow()) }
            }
            throw .overflow
        case .failure(let refused):
            throw refused
        }
    }

    /// Whether forwarders should pause until this queue drains.
    var congested: Bool { queued.load(ordering: .relaxed) > highWater }

    /// Whether the queue holds senders back: congested, or senders still wait for it to
    /// drain below the low-water mark. Stall detection watches this.
    var holdsBackSenders: Bool { congested || hasWaiters.load(ordering: .sequentiallyConsistent) }

    /// Calls `resume` once the queue has drained below the low-water mark or the connection
    /// ended; at once when that is already so. `id` identifies the waiting component.
    func notifyWhenDrained(_ id: ObjectIdentifier, resume: @escaping @Sendable () -> Void) {
        let registered = state.withLock { state in
            guard !state.closed else { return false }
            state.waiters[id] = resume
            hasWaiters.store(true, ordering: .sequentiallyConsistent)
            return true
        }
        guard registered else { return resume() }
        // The queue may have drained between the caller's check and the registration.
        if queued.load(ordering: .sequentiallyConsistent) <= lowWater { resumeWaiters() }
    }

    private func resumeWaiters() {
        let waiters = state.withLock { state in
            hasWaiters.store(false, ordering: .sequentiallyConsistent)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for resume in waiters { resume() }
    }

    // MARK: Lifecycle (on the channel's event loop)

    /// The handshake succeeded: `first` (the `<handshake/>` reply) leaves before anything
    /// the model queued meanwhile; `link` carries bounces back into the model.
    func open(first: ByteBuffer, link: LocalComponentLink) {
        state.withLock { state in
            state.link = link
            state.entries.insert(Entry(buffer: first, origin: nil), at: 0)
            state.held = false
            state.scheduled = true
        }
        queued.add(first.readableBytes, ordering: .relaxed)
        flush()
    }

    /// The connection ended: nothing more is queued; what waits is bounced, and paused
    /// forwarders resume (they will find this component gone).
    func close() {
        let (entries, waiters) = state.withLock { state in
            state.closed = true
            hasWaiters.store(false, ordering: .sequentiallyConsistent)
            defer {
                state.entries = []
                state.waiters = [:]
            }
            return (state.entries, Array(state.waiters.values))
        }
        var bytes = 0
        var bounced: [(ByteBuffer, BounceOrigin)] = []
        for entry in entries {
            bytes += entry.buffer.readableBytes
            if let origin = entry.origin { bounced.append((entry.buffer, origin)) }
        }
        queued.subtract(bytes, ordering: .relaxed)
        bounce(bounced)
        for resume in waiters { resume() }
    }

    /// Bytes the socket has taken so far; unchanged while the component does not read.
    var progress: Int { confirmed.load(ordering: .relaxed) }

    /// Nanoseconds of uptime when bytes were last handed to the socket.
    var lastWriteTime: UInt64 { lastWrite.load(ordering: .relaxed) }

    // MARK: Flushing (on the channel's event loop)

    /// Writes everything queued and flushes once. A write that carries a stanza expecting
    /// an answer gets its own promise, so that exactly the stanzas the socket failed are
    /// bounced; the last write of the batch gets one too, to release the queue's bytes.
    private func flush() {
        let entries = state.withLock { state in
            state.scheduled = false
            defer { state.entries = [] }
            return state.entries
        }
        guard !entries.isEmpty else { return }
        var unconfirmed = 0
        let last = entries.count - 1
        for index in entries.indices {
            let buffer = entries[index].buffer
            unconfirmed += buffer.readableBytes
            let origin = entries[index].origin
            guard origin != nil || index == last else {
                channel.write(buffer, promise: nil)
                continue
            }
            let promise = channel.eventLoop.makePromise(of: Void.self)
            let bytes = unconfirmed
            unconfirmed = 0
            promise.futureResult.whenComplete { result in
                if case .failure = result, let origin { self.bounce([(buffer, origin)]) }
                self.written(bytes)
            }
            channel.write(buffer, promise: promise)
        }
        channel.flush()
        lastWrite.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// The socket took (or failed) `bytes` more.
    private func written(_ bytes: Int) {
        confirmed.add(bytes, ordering: .relaxed)
        let left = queued.subtract(bytes, ordering: .sequentiallyConsistent).newValue
        if left <= lowWater && hasWaiters.load(ordering: .sequentiallyConsistent) { resumeWaiters() }
    }

    // MARK: Bouncing

    /// Answers stanzas that will never be written (given as queued, with their origin);
    /// model replies leave in order through one task at a time.
    private func bounce(_ stanzas: [(ByteBuffer, BounceOrigin)]) {
        guard !stanzas.isEmpty else { return }
        var replies: [ComponentTraffic] = []
        for (buffer, origin) in stanzas {
            switch origin {
            case .model(let traffic):
                if let reply = Bounce.reply(to: traffic, extensions: codec.stanzas.extensions) { replies.append(reply) }
            case .component(let source):
                if let stanza = Bounce.stanza(serialized: Array(buffer.readableBytesView)), let reply = Bounce.reply(to: stanza) {
                    source.enqueueReply(reply)
                }
            }
        }
        guard !replies.isEmpty else { return }
        let start: LocalComponentLink? = state.withLock { state in
            guard let link = state.link else { return nil }
            state.bounces.append(contentsOf: replies)
            defer { state.bouncing = true }
            return state.bouncing ? nil : link
        }
        guard let link = start else { return }
        Task { await self.sendBounces(through: link) }
    }

    private func sendBounces(through link: LocalComponentLink) async {
        while true {
            let batch = state.withLock { state in
                defer { state.bounces = [] }
                if state.bounces.isEmpty { state.bouncing = false }
                return state.bounces
            }
            guard !batch.isEmpty else { return }
            for reply in batch { try? await link.send(reply) }
        }
    }
}
