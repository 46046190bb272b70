import LoadSupport
import NIOCore

/// The XMPP sessions of one workload on one event loop and what every such workload keeps
/// about them: each session's observer, the run's failure, steps started a few at a time
/// (entries, commands, subscriptions), and the iqs waiting for their answers. Subclasses
/// (the `gateway` and `pubsub` workloads) add their own state. Confined to `loop`.
class SessionGroup: @unchecked Sendable {
    let loop: EventLoop
    /// The session of each index, set as each logs in.
    var sessions: [XMPPClientHandler?]
    /// Each session's observer (sessions hold theirs weakly); set by the subclass.
    var members: [MUCOccupant] = []
    /// Fails with the first session that closes, refusal or error stanza; never succeeds.
    let failure: EventLoopPromise<Void>
    private(set) var failed = false
    private var steps: PacedSteps?
    private var iqWaiters: [String: EventLoopPromise<String>] = [:]

    init(loop: EventLoop, sessions count: Int) {
        self.loop = loop
        sessions = Array(repeating: nil, count: count)
        failure = loop.makePromise(of: Void.self)
    }

    /// Ends the run as a failure: the steps under way, the iqs waiting and whatever the
    /// subclass waits on (`failing(with:)`) fail with `reason`.
    func fail(_ reason: String) {
        guard !failed else { return }
        failed = true
        let error = LoadError(reason)
        failure.fail(error)
        steps?.fail(error)
        for waiter in iqWaiters.values { waiter.fail(error) }
        iqWaiters = [:]
        failing(with: error)
    }

    /// What a subclass fails besides (its own promises); called once, by `fail`.
    func failing(with error: LoadError) {}

    /// Runs `start(i)` for i in `0..<count`, at most `maxPending` at once; each step ends
    /// with `stepFinished()`.
    func paced(_ count: Int, maxPending: Int, start: @escaping (Int) -> Void) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        if failed { return loop.makeFailedFuture(LoadError("the run failed before this step")) }
        let steps = PacedSteps(loop: loop, from: 0, to: count, maxPending: maxPending, start: start)
        self.steps = steps
        return steps.run()
    }

    func stepFinished() { steps?.finished() }

    /// Sends an iq from session `index`; the future gets the whole answer as text.
    func ask(_ iq: String, id: String, from index: Int) -> EventLoopFuture<String> {
        loop.preconditionInEventLoop()
        if failed { return loop.makeFailedFuture(LoadError("the run failed")) }
        let promise = loop.makePromise(of: String.self)
        iqWaiters[id] = promise
        sessions[index]?.send(ByteBuffer(string: iq))
        sessions[index]?.flush()
        return promise.futureResult
    }

    /// Hands an iq that reached a session to whoever waits on its id.
    func answered(_ bytes: UnsafeRawBufferPointer, id: Substring) {
        guard let waiter = iqWaiters.removeValue(forKey: String(id)) else { return }
        waiter.succeed(String(decoding: bytes, as: UTF8.self))
    }
}
