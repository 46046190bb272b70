import ParleyXML

/// One BOSH session's protocol (XEP-0124), a value-type state machine that returns actions:
/// the request identifiers' order and window (§14.2), held requests and their `wait` (§8),
/// the stream's bytes queued for the client, the responses kept for retransmission
/// (§14.3), inactivity (§10) and the session's end (§13, §17.2). It knows no HTTP, no
/// clock and no XMPP stream: the route (thin I/O) gives it requests with a `Waiter` handle
/// for each HTTP request waiting for its answer, the stream's writes, and the time; it
/// answers with `Action`s.
public struct BOSHSessionMachine: Sendable {
    /// The route's handle for one HTTP request waiting for its response.
    public typealias Waiter = UInt64
    /// Monotonic nanoseconds (the route's clock).
    public typealias Instant = UInt64

    /// What the route does, in order.
    public enum Action: Sendable, Equatable {
        /// Answer the HTTP request `Waiter` (HTTP 200) with the response.
        case respond(Waiter, BOSHResponse)
        /// Hand the elements to the stream, in order (§14.2: in `rid` order).
        case deliver([XMLElement])
        /// XEP-0206 §5: restart the stream (the negotiation answers with new features).
        case restartStream
        /// §13: the client ended the session: hand the elements to the stream, then end it.
        case clientTerminated([XMLElement])
        /// The session is over: forget its `sid` and end its stream if it still runs.
        case sessionEnded(BOSHCondition?)
    }

    private struct Held: Sendable {
        var waiter: Waiter
        var rid: UInt64
        var deadline: Instant
    }

    public let parameters: BOSHParameters
    /// The XMPP stream id, named `authid` in the creation response (XEP-0206 §4).
    public private(set) var streamID: String?
    private let firstRID: UInt64
    /// The next `rid` to process (§14.2).
    private var nextRID: UInt64
    /// Requests that came ahead of a missing `rid`, within the window, by `rid`.
    private var early: [UInt64: (waiter: Waiter, content: BOSHRequest.Content)] = [:]
    /// Processed requests without an answer yet, oldest (lowest `rid`) first.
    private var held: [Held] = []
    /// The stream's bytes not yet in a response.
    private var pending: [UInt8] = []
    /// The last `requests` responses, for retransmission (§14.3).
    private var sent: [(rid: UInt64, response: BOSHResponse)] = []
    /// When the client last had no request open (or sent one): inactivity counts from it.
    private var lastActivity: Instant
    /// The server ended the stream while no request was held: the next request gets this.
    private var ending: BOSHResponse?
    private var ended = false
    private var forgotten = false

    /// A session created by the request `rid` (§7.1), waiting as `waiter` for its first
    /// response (the stream's features, XEP-0206 §4).
    public init(parameters: BOSHParameters, rid: UInt64, waiter: Waiter, now: Instant) {
        self.parameters = parameters
        self.firstRID = rid
        self.nextRID = rid &+ 1
        self.lastActivity = now
        held = [Held(waiter: waiter, rid: rid, deadline: now &+ Self.seconds(parameters.wait))]
    }

    /// Whether the session no longer carries the stream.
    public var isEnded: Bool { ended }
    /// The bytes queued for the client (bounded by the route: `max-send-queue`).
    public var pendingBytes: Int { pending.count }
    /// Requests waiting for an answer (held or ahead of a missing `rid`).
    public var waitingRequests: Int { held.count + early.count }

    // MARK: Requests

    /// One request of this session, `waiter` waiting for its answer.
    public mutating func receive(_ request: BOSHRequest, waiter: Waiter, now: Instant) -> [Action] {
        guard !ended else {
            // The server ended the stream before this request came: it gets the end (once).
            if let ending {
                self.ending = nil
                return [.respond(waiter, ending)] + forget(nil)
            }
            return [.respond(waiter, .terminate(.itemNotFound))]
        }
        lastActivity = now
        let rid = request.rid
        if rid < nextRID {
            return retransmit(rid, waiter: waiter)
        }
        // §14.2: a rid beyond the window ends the session.
        guard rid - nextRID < UInt64(parameters.requests) else {
            return [.respond(waiter, .terminate(.itemNotFound))] + end(.itemNotFound)
        }
        if rid > nextRID {
            if let earlier = early[rid] {
                // The same request again before its turn: the newer connection waits instead.
                early[rid] = (waiter, request.content)
                return [.respond(earlier.waiter, .empty)]
            }
            early[rid] = (waiter, request.content)
            return []
        }
        var actions = process(request.content, rid: rid, waiter: waiter, now: now)
        while !ended, let next = early.removeValue(forKey: nextRID) {
            actions += process(next.content, rid: nextRID, waiter: next.waiter, now: now)
        }
        return actions
    }

    /// §14.3: a request seen before gets its response again; one still held takes the
    /// place of its broken predecessor; one whose response is gone ends the session.
    private mutating func retransmit(_ rid: UInt64, waiter: Waiter) -> [Action] {
        if let index = held.firstIndex(where: { $0.rid == rid }) {
            let previous = held[index].waiter
            held[index].waiter = waiter
            return [.respond(previous, .empty)]
        }
        if let kept = sent.last(where: { $0.rid == rid }) {
            return [.respond(waiter, kept.response)]
        }
        return [.respond(waiter, .terminate(.itemNotFound))] + end(.itemNotFound)
    }

    private mutating func process(_ content: BOSHRequest.Content, rid: UInt64, waiter: Waiter, now: Instant) -> [Action] {
        nextRID = rid &+ 1
        switch content {
        case .terminate(let elements):
            // §13: the session ends; the request and every held one get the terminate body.
            let response = BOSHResponse.terminate(nil, payload: takePending())
            var actions: [Action] = held.map { .respond($0.waiter, .terminate(nil)) }
            held = []
            actions.append(.respond(waiter, response))
            actions += answerEarly(.terminate(nil))
            ended = true
            return actions + [.clientTerminated(elements)]
        case .restart:
            return hold(waiter, rid: rid, now: now) + [.restartStream]
        case .payload(let elements):
            return hold(waiter, rid: rid, now: now) + (elements.isEmpty ? [] : [.deliver(elements)])
        }
    }

    /// §8: the request waits for the stream's bytes; with more than `hold` held, the oldest
    /// is answered now, and bytes already queued leave at once on the oldest.
    private mutating func hold(_ waiter: Waiter, rid: UInt64, now: Instant) -> [Action] {
        held.append(Held(waiter: waiter, rid: rid, deadline: now &+ Self.seconds(parameters.wait)))
        var actions: [Action] = []
        while held.count > parameters.hold || (!pending.isEmpty && !held.isEmpty) {
            actions.append(answerOldest(with: takePending()))
        }
        return actions
    }

    // MARK: The stream's side

    /// The stream opened with id `id` (the creation response's `authid`); later restarts
    /// keep the first.
    public mutating func streamOpened(id: String) {
        if streamID == nil { streamID = id }
    }

    /// Queues one whole element (standalone bytes) for the client.
    public mutating func enqueue(_ bytes: some Sequence<UInt8>) {
        guard !ended else { return }
        pending += bytes
    }

    /// The stream flushed: what is queued goes out on the oldest held request, if any
    /// (else it waits for the next request).
    public mutating func flush(now: Instant) -> [Action] {
        guard !ended, !pending.isEmpty, !held.isEmpty else { return [] }
        let action = answerOldest(with: takePending())
        if held.isEmpty { lastActivity = now }
        return [action]
    }

    /// The stream ended from the server's side (RFC 6120 §4.4), after `streamError` (a
    /// standalone `<stream:error/>`) if any: XEP-0206 §6, `remote-stream-error` with the
    /// error; else an orderly terminate. Sent on a held request, or on the next one.
    public mutating func close(streamError: [UInt8]?) -> [Action] {
        guard !ended else { return forget(nil) }
        var payload = takePending()
        payload += streamError ?? []
        let response = BOSHResponse.terminate(streamError == nil ? nil : .remoteStreamError, payload: payload)
        ended = true
        guard !held.isEmpty else {
            ending = response
            return answerEarly(.terminate(nil))
        }
        var actions = [answerOldest(with: response)]
        actions += held.map { .respond($0.waiter, .terminate(nil)) }
        held = []
        return actions + answerEarly(.terminate(nil)) + forget(nil)
    }

    /// The stream is dropped without a closing (the server cut the client off): every
    /// waiting request gets `condition`, and the session is forgotten.
    public mutating func abort(_ condition: BOSHCondition) -> [Action] {
        guard !forgotten else { return [] }
        let response = ending ?? .terminate(condition)
        ending = nil
        if ended { return answerAll(.terminate(condition), first: response) + forget(condition) }
        return answerAll(.terminate(condition), first: response) + end(condition)
    }

    // MARK: Time

    /// §8: held requests past their `wait` get an empty body; §10: a session whose client
    /// has had no request open for `inactivity` seconds ends.
    public mutating func tick(now: Instant) -> [Action] {
        guard !forgotten else { return [] }
        var actions: [Action] = []
        while let oldest = held.first, oldest.deadline <= now {
            actions.append(answerOldest(with: []))
            if held.isEmpty { lastActivity = now }
        }
        if held.isEmpty, now &- lastActivity >= Self.seconds(parameters.inactivity) {
            actions += ended ? answerEarly(.terminate(nil)) + forget(nil) : answerAll(.terminate(nil), first: nil) + end(nil)
        }
        return actions
    }

    // MARK: Helpers

    private mutating func takePending() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    /// Answers the oldest held request with `payload` and keeps the response (§14.3).
    private mutating func answerOldest(with payload: [UInt8]) -> Action {
        answerOldest(with: BOSHResponse(payload: payload))
    }

    private mutating func answerOldest(with response: BOSHResponse) -> Action {
        let oldest = held.removeFirst()
        var response = response
        response.creation = oldest.rid == firstRID
        sent.append((oldest.rid, response))
        if sent.count > parameters.requests { sent.removeFirst(sent.count - parameters.requests) }
        return .respond(oldest.waiter, response)
    }

    private mutating func answerEarly(_ response: BOSHResponse) -> [Action] {
        defer { early = [:] }
        return early.sorted { $0.key < $1.key }.map { .respond($0.value.waiter, response) }
    }

    /// Every waiting request answered: the oldest held one with `first` (if given).
    private mutating func answerAll(_ response: BOSHResponse, first: BOSHResponse?) -> [Action] {
        var actions: [Action] = []
        if let first, !held.isEmpty { actions.append(answerOldest(with: first)) }
        actions += held.map { .respond($0.waiter, response) }
        held = []
        return actions + answerEarly(response)
    }

    /// The session ends with `condition`: the queue is dropped and the route forgets it.
    private mutating func end(_ condition: BOSHCondition?) -> [Action] {
        ended = true
        pending = []
        var actions = answerAll(.terminate(condition), first: nil)
        actions += forget(condition)
        return actions
    }

    private mutating func forget(_ condition: BOSHCondition?) -> [Action] {
        guard !forgotten else { return [] }
        forgotten = true
        return [.sessionEnded(condition)]
    }

    private static func seconds(_ value: Int) -> Instant { UInt64(max(0, value)) * 1_000_000_000 }
}
