import LoadSupport
import NIOCore

/// Receives the groupchat copies of the phase being measured; called on the room's loop.
protocol MUCCopySink: AnyObject {
    /// A groupchat message whose body starts with a time stamp reached `occupant`.
    func copy(stampedAt stamp: UInt64, to occupant: Int)
    /// The end of a read on one occupant's connection (a moment to send more).
    func readComplete()
}

/// Where occupants' observers report: the room of the `muc` workload, the users of the
/// `gateway` workload. Called on the sessions' event loop.
protocol OccupantHost: AnyObject {
    func message(_ bytes: UnsafeRawBufferPointer, to occupant: Int)
    func presence(_ bytes: UnsafeRawBufferPointer, to occupant: Int)
    func iq(_ bytes: UnsafeRawBufferPointer)
    /// The end of a read on one occupant's connection (a moment to send more).
    func readComplete()
    /// Ends the run as a failure.
    func fail(_ reason: String)
}

/// One session's observer: knows which occupant it is and reports to its host.
final class MUCOccupant: SessionObserver {
    let index: Int
    unowned let room: any OccupantHost

    init(index: Int, room: any OccupantHost) {
        self.index = index
        self.room = room
    }

    func received(message bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {
        room.message(bytes, to: index)
    }

    func received(stanza kind: StanzaScanner.Kind, bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {
        if kind == .presence { room.presence(bytes, to: index) } else { room.iq(bytes) }
    }

    func readComplete(on session: XMPPClientHandler) { room.readComplete() }

    func closed(_ session: XMPPClientHandler, reason: String) {
        room.fail("occupant \(index) (\(session.settings.user)): \(reason)")
    }
}

/// The generator's side of one room: its occupants' sessions, who has entered, how many
/// presences the room has sent, and where groupchat copies go. Occupants 0..<xmpp are XMPP
/// sessions; the rest, if any, are IRC members of the same room (`MUCIRCMember`). Every
/// connection runs on `loop`, and all state here is confined to it.
final class MUCRoom: OccupantHost, @unchecked Sendable {
    let loop: EventLoop
    let stanzas: MUCStanzas
    /// Occupants in all, XMPP and IRC.
    let occupants: Int
    /// XMPP occupants (indices 0..<xmpp).
    let xmpp: Int
    /// The session of each XMPP occupant, by index (nick `nickI`).
    var sessions: [XMPPClientHandler?]
    /// The IRC members, by index − xmpp.
    var ircMembers: [MUCIRCMember?]
    /// Each occupant's observer (sessions hold theirs weakly).
    private(set) var members: [MUCOccupant] = []
    /// The phase whose copies are being counted, if any.
    var sink: MUCCopySink?
    /// Fails with the first session that closes or is refused; never succeeds.
    let failure: EventLoopPromise<Void>
    /// Presences from the room's occupant JIDs, all occupants together.
    private(set) var presences = 0
    /// Self-presences (status 110) received.
    private(set) var enteredCount = 0
    /// Whether a self-presence said the room was created (status 201).
    private(set) var created = false
    /// Messages from the room with no time stamp (subjects, server notices).
    private(set) var otherMessages = 0
    private var hasEntered: [Bool]
    /// The entries under way, if any.
    private var entries: PacedSteps?
    private var presenceGoal = Int.max
    private var presencesDone: EventLoopPromise<Void>?
    private var iqWaiters: [String: EventLoopPromise<String>] = [:]
    private let occupantPrefix: [UInt8]
    private var failed = false

    init(loop: EventLoop, stanzas: MUCStanzas, xmpp: Int, irc: Int) {
        self.loop = loop
        self.stanzas = stanzas
        self.occupants = xmpp + irc
        self.xmpp = xmpp
        sessions = Array(repeating: nil, count: xmpp)
        ircMembers = Array(repeating: nil, count: irc)
        hasEntered = Array(repeating: false, count: occupants)
        failure = loop.makePromise(of: Void.self)
        occupantPrefix = Array((stanzas.room + "/").utf8)
        members = (0..<xmpp).map { MUCOccupant(index: $0, room: self) }
    }

    func fail(_ reason: String) {
        guard !failed else { return }
        failed = true
        let error = LoadError(reason)
        failure.fail(error)
        entries?.fail(error)
        presencesDone?.fail(error)
        for waiter in iqWaiters.values { waiter.fail(error) }
        iqWaiters = [:]
    }

    // MARK: Entering

    /// Occupants `from..<to` enter, at most `maxPending` waiting for their self-presence at
    /// once; succeeds when all of them have entered.
    func enter(from: Int, to: Int, maxPending: Int) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        if failed { return loop.makeFailedFuture(LoadError("the room failed before entering")) }
        let steps = PacedSteps(loop: loop, from: from, to: to, maxPending: maxPending) { [unowned self] i in
            if i < xmpp, let session = sessions[i] {
                session.send(stanzas.enter(nick: "nick\(i)"))
                session.flush()
            } else if i >= xmpp, let member = ircMembers[i - xmpp] {
                member.join()
            } else {
                fail("occupant \(i) has no connection")
            }
        }
        entries = steps
        return steps.run()
    }

    /// Succeeds once `total` presences have arrived from the room, all occupants together.
    func waitForPresences(_ total: Int) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Void.self)
        presenceGoal = total
        presencesDone = promise
        if presences >= total { promise.succeed(()) }
        return promise.futureResult
    }

    /// Sends an iq from occupant `index` and returns the type of the answer (result or error).
    func ask(_ iq: ByteBuffer, id: String, from index: Int) -> EventLoopFuture<String> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: String.self)
        iqWaiters[id] = promise
        sessions[index]?.send(iq)
        sessions[index]?.flush()
        return promise.futureResult
    }

    /// Occupant `index` has entered (its self-presence, or the 366 after an IRC JOIN).
    func entered(_ index: Int) {
        guard !hasEntered[index] else { return }
        hasEntered[index] = true
        enteredCount += 1
        entries?.finished()
    }

    // MARK: Incoming

    func presence(_ bytes: UnsafeRawBufferPointer, to occupant: Int) {
        guard let from = StanzaView.attribute("from", in: bytes), from.utf8.starts(with: occupantPrefix) else { return }
        if StanzaView.attribute("type", in: bytes) == "error" {
            fail("the room refused occupant \(occupant): \(String(decoding: bytes.prefix(400), as: UTF8.self))")
            return
        }
        presences += 1
        if presences >= presenceGoal, let done = presencesDone {
            presencesDone = nil
            done.succeed(())
        }
        guard !hasEntered[occupant], MUCRoom.hasStatus("110", in: bytes) else { return }
        if MUCRoom.hasStatus("201", in: bytes) { created = true }
        entered(occupant)
    }

    func message(_ bytes: UnsafeRawBufferPointer, to occupant: Int) {
        if StanzaView.contains("type='error'", in: bytes) || StanzaView.contains("type=\"error\"", in: bytes) {
            fail("occupant \(occupant) got an error: \(String(decoding: bytes.prefix(400), as: UTF8.self))")
            return
        }
        guard let stamp = StanzaView.leadingNumberInBody(bytes) else {
            otherMessages += 1
            return
        }
        sink?.copy(stampedAt: stamp, to: occupant)
    }

    func readComplete() { sink?.readComplete() }

    func iq(_ bytes: UnsafeRawBufferPointer) {
        guard let id = StanzaView.attribute("id", in: bytes), let waiter = iqWaiters.removeValue(forKey: String(id)) else { return }
        waiter.succeed(StanzaView.attribute("type", in: bytes).map(String.init) ?? "?")
    }

    private static func hasStatus(_ code: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        StanzaView.contains("code='\(code)'", in: bytes) || StanzaView.contains("code=\"\(code)\"", in: bytes)
    }
}
