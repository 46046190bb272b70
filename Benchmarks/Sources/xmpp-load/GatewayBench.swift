import LoadSupport
import NIOCore

/// Where a stamped message reached an XMPP user from.
enum GatewaySource {
    /// The shared channel's room (`#bench%net@gateway`), every user in it.
    case shared
    /// The user's own channel's room (`#bI%net@gateway`).
    case own
    /// Anything else: a chat message from another user (the XMPP floor).
    case direct
}

/// Receives the stamped traffic of the phase being measured; called on the bench's loop.
protocol GatewaySink: AnyObject {
    /// A message whose body starts with a time stamp reached XMPP user `user`.
    func xmpp(stamp: UInt64, user: Int, source: GatewaySource)
    /// A PRIVMSG to `target` whose text starts with a time stamp reached the IRC client `client`.
    func irc(stamp: UInt64, target: ArraySlice<UInt8>, client: StampedIRCClient)
    /// The end of a read on any connection (a moment to send more).
    func readComplete()
    /// How far the phase got, for a failure's reason.
    var status: String { get }
}

/// The generator's side of the gateway workload: N XMPP users (sessions on one event loop),
/// each with its own channel `#bI` and all in the shared channel, through the gateway
/// `gateway` to the IRC network `network`; and the raw IRC clients on that network. It
/// tracks entries (self-presence, 110), the occupants each user has heard of in the shared
/// room, iq answers (SessionGroup), and hands stamped messages to the phase's sink.
/// Confined to `loop`.
final class GatewayBench: SessionGroup, OccupantHost, StampedIRCDelegate, @unchecked Sendable {
    let users: Int
    /// The shared room, and each user's own room (`#bI%network@gateway`).
    let shared: MUCStanzas
    let own: [MUCStanzas]
    /// The IRC client whose nick is an occupant of the shared room (bit N of `seen`).
    let ircNick: String
    /// The phase whose messages are being counted, if any.
    var sink: GatewaySink?
    /// Messages with no time stamp (subjects, the gateway's notices).
    private(set) var otherMessages = 0
    /// Presences from the shared room, all users together.
    private(set) var sharedPresences = 0
    private var inOwn: [Bool]
    private var inShared: [Bool]
    /// Per user, the shared room's occupants heard of: nick0…nick{N-1}, then the IRC client.
    private var seen: [[UInt64]]
    private var seenCount: [Int]
    private var usersWithAll = 0
    private var allSeen: EventLoopPromise<Void>?
    private let sharedPrefix: [UInt8]
    private let ownPrefixes: [[UInt8]]

    /// `room(name)` is the room JID of IRC channel `name` (`#bench%127.0.0.1@irc.localhost`).
    init(loop: EventLoop, users: Int, sharedChannel: String, ircNick: String, stanzaBytes: Int,
         room: (String) -> String) {
        self.users = users
        self.ircNick = ircNick
        shared = MUCStanzas(room: room(sharedChannel), stanzaBytes: stanzaBytes)
        own = (0..<users).map { MUCStanzas(room: room(Self.ownChannel($0)), stanzaBytes: stanzaBytes) }
        inOwn = Array(repeating: false, count: users)
        inShared = Array(repeating: false, count: users)
        seen = Array(repeating: Array(repeating: 0, count: (users + 1 + 63) / 64), count: users)
        seenCount = Array(repeating: 0, count: users)
        sharedPrefix = Array((shared.room + "/").utf8)
        ownPrefixes = own.map { Array(($0.room + "/").utf8) }
        super.init(loop: loop, sessions: users)
        members = (0..<users).map { MUCOccupant(index: $0, room: self) }
    }

    /// User I's own IRC channel.
    static func ownChannel(_ i: Int) -> String { "#b\(i)" }
    static func nick(_ i: Int) -> String { "nick\(i)" }

    override func failing(with error: LoadError) {
        allSeen?.fail(error)
    }

    // MARK: Steps: entries, commands, IRC joins

    /// Every user enters its own room (`ownRooms`) or the shared one, at most `maxPending`
    /// waiting for their self-presence.
    func enter(ownRooms: Bool, maxPending: Int) -> EventLoopFuture<Void> {
        paced(users, maxPending: maxPending) { [unowned self] i in
            guard let session = sessions[i] else { return fail("user \(i) has no session") }
            session.send((ownRooms ? own[i] : shared).enter(nick: Self.nick(i)))
            session.flush()
        }
    }

    /// Succeeds once every user has heard of every occupant of the shared room (the N
    /// users and the IRC client).
    func waitForSharedOccupants() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Void.self)
        if usersWithAll == users { promise.succeed(()) } else { allSeen = promise }
        return promise.futureResult
    }

    /// `client` joins `channels` one after the other (each ends at its 366).
    func join(_ client: StampedIRCClient, _ channels: [String]) -> EventLoopFuture<Void> {
        paced(channels.count, maxPending: 1) { client.join(channels[$0]) }
    }

    /// The XEP-0050 `configure` command on `target` from user `index`: execute (the form),
    /// then submit `fields` (name, values) in the same session; fails unless it completes.
    func configure(user index: Int, target: String, fields: [(String, [String])]) -> EventLoopFuture<Void> {
        let id = "cfg\(index)-\(target)"
        let node = "xmlns='http://jabber.org/protocol/commands' node='configure'"
        @Sendable func refused(_ answer: String) -> LoadError {
            LoadError("configure on \(target) for user \(index): \(answer.prefix(400))")
        }
        return ask("<iq type='set' id='\(id)a' to='\(target)'><command \(node) action='execute'/></iq>", id: id + "a", from: index)
            .flatMapThrowing { answer -> String in
                guard StanzaView.firstAttribute("type", in: answer) == "result", let session = StanzaView.firstAttribute("sessionid", in: answer) else {
                    throw refused(answer)
                }
                return String(session)
            }
            .flatMap { [self] session in
                let form = fields.map { name, values in
                    "<field var='\(name)'>" + values.map { "<value>\($0)</value>" }.joined() + "</field>"
                }.joined()
                return ask(
                    "<iq type='set' id='\(id)b' to='\(target)'><command \(node) sessionid='\(session)' action='complete'>"
                        + "<x xmlns='jabber:x:data' type='submit'>\(form)</x></command></iq>",
                    id: id + "b", from: index)
            }
            .flatMapThrowing { (answer: String) in
                guard StanzaView.firstAttribute("type", in: answer) == "result", StanzaView.firstAttribute("status", in: answer) == "completed",
                      !answer.contains("<error") else { throw refused(answer) }
            }
    }

    // MARK: XMPP traffic (OccupantHost)

    func presence(_ bytes: UnsafeRawBufferPointer, to user: Int) {
        guard let from = StanzaView.attribute("from", in: bytes) else { return }
        let isShared = from.utf8.starts(with: sharedPrefix)
        guard isShared || from.utf8.starts(with: ownPrefixes[user]) else { return }
        switch StanzaView.attribute("type", in: bytes) {
        case "error"?:
            return fail("the gateway refused user \(user): \(String(decoding: bytes.prefix(400), as: UTF8.self))")
        case "unavailable"?:
            // Nobody leaves during the run: an occupant gone is a lost IRC connection.
            return fail("user \(user) was told \(from) left: \(String(decoding: bytes.prefix(400), as: UTF8.self))")
        default:
            break
        }
        let selfPresence = StanzaView.contains("code='110'", in: bytes) || StanzaView.contains("code=\"110\"", in: bytes)
        guard isShared else {
            if selfPresence, !inOwn[user] {
                inOwn[user] = true
                stepFinished()
            }
            return
        }
        sharedPresences += 1
        if selfPresence, !inShared[user] {
            inShared[user] = true
            stepFinished()
        }
        let nick = from.utf8.dropFirst(sharedPrefix.count)
        let occupant: Int?
        if nick.elementsEqual(ircNick.utf8) {
            occupant = users
        } else if nick.starts(with: "nick".utf8), let k = Int(String(decoding: nick.dropFirst(4), as: UTF8.self)), k < users {
            occupant = k
        } else {
            occupant = nil
        }
        guard let occupant else { return }
        let bit = UInt64(1) << UInt64(occupant % 64)
        guard seen[user][occupant / 64] & bit == 0 else { return }
        seen[user][occupant / 64] |= bit
        seenCount[user] += 1
        guard seenCount[user] == users + 1 else { return }
        usersWithAll += 1
        if usersWithAll == users, let done = allSeen {
            allSeen = nil
            done.succeed(())
        }
    }

    func message(_ bytes: UnsafeRawBufferPointer, to user: Int) {
        if StanzaView.contains("type='error'", in: bytes) || StanzaView.contains("type=\"error\"", in: bytes) {
            return fail("user \(user) got an error: \(String(decoding: bytes.prefix(400), as: UTF8.self))")
        }
        guard let stamp = StanzaView.leadingNumberInBody(bytes) else {
            otherMessages += 1
            return
        }
        let source: GatewaySource =
            StanzaView.find(sharedPrefix, in: bytes, from: 0) != nil ? .shared
            : StanzaView.find(ownPrefixes[user], in: bytes, from: 0) != nil ? .own : .direct
        sink?.xmpp(stamp: stamp, user: user, source: source)
    }

    func iq(_ bytes: UnsafeRawBufferPointer) {
        guard let id = StanzaView.attribute("id", in: bytes) else { return }
        answered(bytes, id: id)
    }

    func readComplete() { sink?.readComplete() }

    // MARK: IRC traffic (StampedIRCDelegate)

    func irc(_ client: StampedIRCClient, joined channel: String) { stepFinished() }

    func irc(_ client: StampedIRCClient, stamp: UInt64, target: ArraySlice<UInt8>) {
        sink?.irc(stamp: stamp, target: target, client: client)
    }

    func ircReadComplete(_ client: StampedIRCClient) { sink?.readComplete() }

    func irc(_ client: StampedIRCClient, failed reason: String) { fail(reason) }
}
