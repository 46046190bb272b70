import Logging
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle
import Synchronization

/// The XMPP leg of a relay bridge: one local room (already MUC and IRC at once) linked to
/// a MUC room on another XMPP server through one bot, the bridge's model session in the
/// room and its XMPP client account in the far room (`MUCRelayLeg`). Messages cross in the
/// format and under the rules of the IRC leg (`RelayBridge`); replies and corrections keep
/// their reference through `RelayIDMap`; what does not cross is counted (`RelayDrops`).
/// The bot rejoins after a reconnect, a kick or a failed self-ping (XEP-0410).
final class XMPPRelayBridge: Service, Sendable {
    /// How often the bot pings itself in the far room, and how long it waits before a
    /// rejoin, in seconds.
    struct Timing: Sendable {
        var pingInterval: Double = 60
        var rejoinDelay: Double = 10
    }

    /// What the bridge's tasks share: the leg and the connection's progress.
    private struct Shared {
        var leg: MUCRelayLeg
        var online = false
        var lastJoin = ContinuousClock.now
        var lastPing = ContinuousClock.now
    }

    let room: RoomID
    let localNick: Nickname
    let chat: ChatService
    let client: XMPPClient
    let timing: Timing
    let logger: Logger
    let drops: RelayDrops
    private let shared: Mutex<Shared>

    init(
        room: RoomID, localNick: Nickname, leg: MUCRelayLeg, chat: ChatService, client: XMPPClientConfiguration,
        timing: Timing, logger: Logger
    ) throws {
        self.room = room
        self.localNick = localNick
        self.chat = chat
        self.client = try XMPPClient(configuration: client, logger: logger)
        self.timing = timing
        self.logger = logger
        self.drops = RelayDrops(logger: logger)
        self.shared = Mutex(Shared(leg: leg))
    }

    func run() async throws {
        let (session, events) = try await RelaySessions.shared.open(in: room, as: localNick, chat: chat)
        await client.start()
        let far = shared.withLock { $0.leg.room }
        logger.notice("xmpp relay bridge running", metadata: ["room": "\(room)", "far-room": "\(far)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events { await self.fromRoom(event, own: session.id) }
                }
                group.addTask {
                    for await event in self.client.events { await self.fromXMPP(event, into: session) }
                }
                group.addTask { await self.tick() }
                await group.next()
                group.cancelAll()
            }
        }
        await client.stop()
        await RelaySessions.shared.close(session)
    }

    // MARK: Local room → far room

    private func fromRoom(_ event: ChatEvent, own: SessionID) async {
        guard case .room(_, let roomEvent) = event else { return }
        switch roomEvent {
        case .message(let message, let actor):
            guard actor?.session != own else {
                shared.withLock { $0.leg.localReflection(message) }  // our own relays: never back
                return
            }
            let relayed = actor.map { RelaySessions.shared.contains($0.session) } ?? false
            let (stanza, dropped) = shared.withLock {
                $0.online ? $0.leg.outbound(message, sender: actor?.nick.displayName ?? "?", relayed: relayed) : (nil, [])
            }
            dropped.forEach(drops.count)
            guard let stanza else {
                if dropped.isEmpty { drops.count("messages while the other server is unreachable") }
                return
            }
            if await !client.send(stanza) { drops.count("messages while the other server is unreachable") }
        default:
            drops.countUnrelayed(roomEvent)
        }
    }

    // MARK: Far room → local room

    private func fromXMPP(_ event: XMPPClientEvent, into session: ChatSession) async {
        switch event {
        case .online:
            await join(online: true)
        case .disconnected:
            shared.withLock { $0.online = false }
        case .reconnecting:
            return
        case .stanza(let stanza):
            for outcome in shared.withLock({ $0.leg.inbound(stanza) }) {
                switch outcome {
                case .post(let post):
                    do {
                        try await session.send(post.message(from: session.id, to: room))
                    } catch {
                        drops.count("messages the room refused (\(error))")
                    }
                case .drop(let reason):
                    drops.count(reason)
                case .joined:
                    logger.notice("xmpp relay bridge joined the other room", metadata: ["far-room": "\(stanza[attribute: "from"] ?? "")"])
                case .rejoin(let reason):
                    logger.warning("xmpp relay bridge out of the other room; rejoining", metadata: ["reason": "\(reason)"])
                    shared.withLock { $0.lastJoin = .now }
                }
            }
        }
    }

    // MARK: Staying in the room

    /// Sends the join (§7.2.2) now.
    private func join(online: Bool = false) async {
        let presence = shared.withLock { shared in
            if online { shared.online = true }
            shared.lastJoin = .now
            shared.lastPing = .now
            return shared.leg.join()
        }
        await client.send(presence)
    }

    /// Once a second: rejoin after `rejoinDelay` when out of the room; self-ping every
    /// `pingInterval` when in it, and reconnect when the last ping went unanswered.
    private func tick() async {
        enum Next { case nothing, join, ping(XMLElement), reconnect }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(min(1, timing.pingInterval)))
            let next: Next = shared.withLock { shared in
                guard shared.online else { return .nothing }
                let now = ContinuousClock.now
                if !shared.leg.isJoined {
                    return now - shared.lastJoin >= .seconds(timing.rejoinDelay) ? .join : .nothing
                }
                guard now - shared.lastPing >= .seconds(timing.pingInterval) else { return .nothing }
                shared.lastPing = now
                return shared.leg.selfPing().map(Next.ping) ?? .reconnect
            }
            switch next {
            case .nothing: continue
            case .join: await join()
            case .ping(let ping): await client.send(ping)
            case .reconnect: await client.reconnect(reason: "self-ping unanswered for \(timing.pingInterval) s")
            }
        }
    }
}
