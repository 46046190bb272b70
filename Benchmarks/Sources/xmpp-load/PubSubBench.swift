import LoadSupport
import NIOCore

/// The XEP-0060 stanzas of the `pubsub` workload: creating a node with a configuration
/// form, subscribing, publishing an item with a payload, fetching the items.
struct PubSubStanzas: Sendable {
    static let pubsubNamespace = "http://jabber.org/protocol/pubsub"
    /// The namespace of every item's payload: a notification that carries it carries the payload.
    static let payloadNamespace = "urn:xmpp:parley:bench:0"
    /// The service's JID, e.g. `pubsub.localhost`.
    let service: String
    /// Text that makes a publish iq about `stanzaBytes` long.
    private let filler: String

    init(service: String, stanzaBytes: Int) {
        self.service = service
        let bare = Self.publish(service: service, node: "bench", id: "pub0-0", item: "0-0", text: "")
        var text = ""
        let room = max(16, stanzaBytes - bare.utf8.count)
        while text.utf8.count < room { text += ChatStanza.filler }
        filler = String(text.utf8.prefix(room))!
    }

    /// Creates `node` with the `pubsub#node_config` form: open access, payloads delivered,
    /// the last item never sent on subscription, items persisted (or not), at most `maxItems`.
    func create(node: String, id: String, persistent: Bool, maxItems: Int) -> String {
        let fields = [
            ("FORM_TYPE", "http://jabber.org/protocol/pubsub#node_config"),
            ("pubsub#access_model", "open"),
            ("pubsub#persist_items", persistent ? "1" : "0"),
            ("pubsub#max_items", String(maxItems)),
            ("pubsub#deliver_payloads", "1"),
            ("pubsub#send_last_published_item", "never"),
        ]
        return "<iq type='set' to='\(service)' id='\(id)'><pubsub xmlns='\(Self.pubsubNamespace)'>"
            + "<create node='\(node)'/><configure><x xmlns='jabber:x:data' type='submit'>"
            + fields.map { "<field var='\($0.0)'><value>\($0.1)</value></field>" }.joined()
            + "</x></configure></pubsub></iq>"
    }

    /// XEP-0060 §5.6: the requester's own subscriptions to `node` (reads, stores nothing).
    func ownSubscriptions(node: String, id: String) -> String {
        "<iq type='get' to='\(service)' id='\(id)'><pubsub xmlns='\(Self.pubsubNamespace)'>"
            + "<subscriptions node='\(node)'/></pubsub></iq>"
    }

    func subscribe(node: String, jid: String, id: String) -> String {
        "<iq type='set' to='\(service)' id='\(id)'><pubsub xmlns='\(Self.pubsubNamespace)'>"
            + "<subscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
    }

    /// Publishes item `item` to `node`; the iq's id is `id` (the workload's answers are
    /// told apart by the prefix `pub`).
    func publish(node: String, id: String, item: String) -> ByteBuffer {
        ByteBuffer(string: Self.publish(service: service, node: node, id: id, item: item, text: filler))
    }

    func items(node: String, id: String) -> String {
        "<iq type='get' to='\(service)' id='\(id)'><pubsub xmlns='\(Self.pubsubNamespace)'><items node='\(node)'/></pubsub></iq>"
    }

    private static func publish(service: String, node: String, id: String, item: String, text: String) -> String {
        "<iq type='set' to='\(service)' id='\(id)'><pubsub xmlns='\(pubsubNamespace)'><publish node='\(node)'>"
            + "<item id='\(item)'><entry xmlns='\(payloadNamespace)'>\(text)</entry></item></publish></pubsub></iq>"
    }
}

/// The generator's side of the `pubsub` workload: N sessions on one event loop, session 0
/// the node's owner and publisher (and a subscriber like the others), and where
/// notifications go; iqs and failure as every SessionGroup. Confined to `loop`.
final class PubSubBench: SessionGroup, OccupantHost, @unchecked Sendable {
    let stanzas: PubSubStanzas
    let subscribers: Int
    /// The phase whose notifications and acknowledgements are being counted, if any.
    var sink: PubSubPhase?
    /// Notifications that arrived while no phase counted them.
    private(set) var strayNotifications = 0
    /// Messages without the workload's payload (a server's notices).
    private(set) var otherMessages = 0
    private static let marker = Array(PubSubStanzas.payloadNamespace.utf8)

    init(loop: EventLoop, stanzas: PubSubStanzas, subscribers: Int) {
        self.stanzas = stanzas
        self.subscribers = subscribers
        super.init(loop: loop, sessions: subscribers)
        members = (0..<subscribers).map { MUCOccupant(index: $0, room: self) }
    }

    /// Sends an iq from session 0 and succeeds with its answer when that is a result;
    /// anything else fails the run with `what` and the answer.
    func expectResult(_ iq: String, id: String, _ what: String) -> EventLoopFuture<String> {
        ask(iq, id: id, from: 0).flatMapThrowing { [self] answer in
            guard StanzaView.firstAttribute("type", in: answer) == "result" else {
                let reason = "\(what): the service answered \(answer.prefix(500))"
                fail(reason)
                throw LoadError(reason)
            }
            return answer
        }
    }

    /// Every session asks for its own subscriptions to `node` (none yet), at most
    /// `maxPending` waiting: one round trip each through the same path as subscribing,
    /// leaving nothing stored; anything but a result fails the run.
    func askOwnSubscriptions(node: String, maxPending: Int) -> EventLoopFuture<Void> {
        paced(subscribers, maxPending: maxPending) { [unowned self] i in
            let id = "own\(i)"
            ask(stanzas.ownSubscriptions(node: node, id: id), id: id, from: i).whenSuccess { [self] answer in
                guard StanzaView.firstAttribute("type", in: answer) == "result" else {
                    return fail("asking for own subscriptions: the service answered \(answer.prefix(500))")
                }
                stepFinished()
            }
        }
    }

    /// Every session subscribes to `node` as `jid(i)`, at most `maxPending` waiting for
    /// their answer; an error or a subscription other than `subscribed` fails the run.
    func subscribeAll(node: String, jid: @escaping (Int) -> String, maxPending: Int) -> EventLoopFuture<Void> {
        paced(subscribers, maxPending: maxPending) { [unowned self] i in
            let (id, subscriber) = ("sub\(i)", jid(i))
            ask(stanzas.subscribe(node: node, jid: subscriber, id: id), id: id, from: i).whenSuccess { [self] answer in
                // XEP-0060 §6.1.2: a result, with the subscription's state when it says one.
                let state = StanzaView.firstAttribute("subscription", in: answer)
                guard StanzaView.firstAttribute("type", in: answer) == "result", state == nil || state == "subscribed" else {
                    return fail("subscribing \(subscriber): the service answered \(answer.prefix(500))")
                }
                stepFinished()
            }
        }
    }

    // MARK: Incoming (OccupantHost)

    func message(_ bytes: UnsafeRawBufferPointer, to session: Int) {
        if StanzaView.contains("type='error'", in: bytes) || StanzaView.contains("type=\"error\"", in: bytes) {
            return fail("session \(session) got an error: \(String(decoding: bytes.prefix(500), as: UTF8.self))")
        }
        guard StanzaView.find(Self.marker, in: bytes, from: 0) != nil else {
            otherMessages += 1
            return
        }
        if let sink { sink.notification(to: session) } else { strayNotifications += 1 }
    }

    func presence(_ bytes: UnsafeRawBufferPointer, to session: Int) {}

    func iq(_ bytes: UnsafeRawBufferPointer) {
        guard let id = StanzaView.attribute("id", in: bytes) else { return }
        if id.hasPrefix("pub") {
            guard StanzaView.attribute("type", in: bytes) == "result" else {
                return fail("publish \(id) refused: \(String(decoding: bytes.prefix(500), as: UTF8.self))")
            }
            guard let sink else { return fail("an answer to publish \(id) outside its phase") }
            return sink.published()
        }
        answered(bytes, id: id)
    }

    func readComplete() { sink?.readComplete() }
}

/// A measured phase of the `pubsub` workload: session 0 publishes `publishes` items to
/// `node`; `done` succeeds with the time the phase completed, or fails with the run. While
/// it runs, the bench hands it what it waits for (it is the bench's `sink`). Subclasses
/// send in `proceed()` and call `finish()`. Confined to the bench's loop.
class PubSubPhase: @unchecked Sendable {
    let bench: PubSubBench
    let node: String
    let publishes: Int
    let done: EventLoopPromise<UInt64>

    init(bench: PubSubBench, node: String, publishes: Int) {
        self.bench = bench
        self.node = node
        self.publishes = publishes
        done = bench.loop.makePromise(of: UInt64.self)
    }

    func start() {
        bench.loop.preconditionInEventLoop()
        bench.sink = self
        bench.failure.futureResult.whenFailure { [done] in done.fail($0) }
        proceed()
    }

    /// Sends what the phase may send now (at the start, after a read, after an answer).
    func proceed() {}

    /// Ends the phase: the bench counts nothing more for it.
    func finish() {
        bench.sink = nil
        done.succeed(ProcessStats.nowNanos())
    }

    /// A notification with the workload's payload reached `subscriber`.
    func notification(to subscriber: Int) {}
    /// A publish was acknowledged (an iq result whose id starts with `pub`).
    func published() {}
    /// The end of a read on one session's connection (a moment to send more).
    func readComplete() {}
    /// How far the phase got, for a failure's reason.
    var status: String { "" }
}

/// One measured fan-out round: session 0 publishes `publishes` items to the node, keeping
/// at most `window` publishes' worth of notifications undelivered (sent × N − received ≤
/// window × N); the round ends when every subscriber has received every item and every
/// publish is acknowledged. A subscriber that gets an item twice fails the run; one that
/// misses one makes the round time out.
final class PubSubFanout: PubSubPhase, @unchecked Sendable {
    let window: Int
    let round: Int
    private var counts: [Int]
    private var complete = 0
    private(set) var sent = 0
    private(set) var acknowledged = 0
    private(set) var notifications = 0
    private var finished = false

    init(bench: PubSubBench, node: String, publishes: Int, window: Int, round: Int) {
        self.window = window
        self.round = round
        counts = Array(repeating: 0, count: bench.subscribers)
        super.init(bench: bench, node: node, publishes: publishes)
    }

    var expectedNotifications: Int { publishes * bench.subscribers }

    override func proceed() {
        let n = bench.subscribers
        var any = false
        while sent < publishes, sent * n - notifications < window * n {
            bench.sessions[0]?.send(bench.stanzas.publish(node: node, id: "pub\(round)-\(sent)", item: "\(round)-\(sent)"))
            sent += 1
            any = true
        }
        if any { bench.sessions[0]?.flush() }
    }

    override func notification(to subscriber: Int) {
        guard !finished else { return }
        counts[subscriber] += 1
        notifications += 1
        if counts[subscriber] == publishes {
            complete += 1
            check()
        } else if counts[subscriber] > publishes {
            bench.fail("subscriber \(subscriber) got more than the \(publishes) items published in round \(round + 1)")
        }
    }

    override func published() {
        acknowledged += 1
        check()
    }

    override func readComplete() {
        if !finished { proceed() }
    }

    private func check() {
        guard !finished, complete == bench.subscribers, acknowledged == publishes else { return }
        finished = true
        finish()
    }

    override var status: String {
        var text = "\(sent) of \(publishes) published, \(acknowledged) acknowledged, "
            + "\(notifications) of \(expectedNotifications) notifications delivered"
        if let short = counts.firstIndex(where: { $0 < sent }) {
            text += "; \(bench.subscribers - complete) subscribers short, e.g. subscriber \(short) got \(counts[short]) of \(sent) sent"
        }
        return text
    }
}

/// Publishes one at a time: session 0 publishes `publishes` items to a node with no
/// subscribers, the next when the previous is acknowledged.
final class PubSubSequence: PubSubPhase, @unchecked Sendable {
    private(set) var acknowledged = 0

    override func proceed() {
        bench.sessions[0]?.send(bench.stanzas.publish(node: node, id: "pubs-\(acknowledged)", item: "k\(acknowledged)"))
        bench.sessions[0]?.flush()
    }

    override func notification(to subscriber: Int) {
        bench.fail("session \(subscriber) got a notification from \(node), which has no subscribers")
    }

    override func published() {
        acknowledged += 1
        if acknowledged < publishes { return proceed() }
        finish()
    }

    override var status: String { "\(acknowledged) of \(publishes) publishes acknowledged" }
}
