import Logging
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ServiceLifecycle
import Synchronization

/// A relay bridge (the matterbridge case, for networks that forbid one connection per
/// user): one local room, already MUC and IRC at once, linked to a channel on another IRC
/// network through one bot on each side, the bridge's model session in the room and its
/// IRC client in the channel. Each message crosses with its sender's nick in the
/// configured prefix (`RelayFormat`); what does not cross is counted by reason
/// (`RelayDrops`) and logged.
final class RelayBridge: Service, Sendable {
    let room: RoomID
    let localNick: Nickname
    let channel: String
    let format: RelayFormat
    let chat: ChatService
    let client: IRCClient
    let logger: Logger
    let drops: RelayDrops
    private let messages = GatewayMessages()
    /// Our nick on the other network, as its events say (asking the client would cost a
    /// hop to its event loop for every relayed line).
    private let ownNick: Mutex<String>

    init(
        room: RoomID, localNick: Nickname, channel: String, format: RelayFormat, chat: ChatService,
        client: IRCClientConfiguration, logger: Logger
    ) throws {
        self.room = room
        self.localNick = localNick
        self.channel = channel
        self.format = format
        self.chat = chat
        self.client = try IRCClient(configuration: client)
        self.ownNick = Mutex(client.nick)
        self.logger = logger
        self.drops = RelayDrops(logger: logger)
    }

    func run() async throws {
        let (session, events) = try await RelaySessions.shared.open(in: room, as: localNick, chat: chat)
        await client.start()
        await client.join(channel)
        logger.notice("relay bridge running", metadata: ["room": "\(room)", "channel": "\(channel)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events { await self.fromRoom(event, own: session.id) }
                }
                group.addTask {
                    for await event in self.client.events { await self.fromIRC(event, into: session) }
                }
            }
        }
        await client.stop(message: "Bridge stopping")
        await RelaySessions.shared.close(session)
    }

    // MARK: Room → IRC

    private func fromRoom(_ event: ChatEvent, own: SessionID) async {
        guard case .room(_, let roomEvent) = event else { return }
        switch roomEvent {
        case .message(let message, let actor):
            guard actor?.session != own else { return }  // our own relays: never back
            guard message.body != nil else { return drops.count("tags-only messages (reactions, typing) to IRC") }
            var relayed = message
            let nick = actor?.nick.displayName ?? "?"
            if actor.map({ RelaySessions.shared.contains($0.session) }) != true {  // another bridge's post names its sender
                relayed.body = message.meanings.contains(.action)
                    ? "\(RelayFormat.safe(nick)) \(message.body ?? "")" : format.prefix(nick) + (message.body ?? "")
            }
            do {
                for line in try messages.lines(for: relayed, to: channel, from: ownNick.withLock { $0 }, tags: false) {
                    await client.send(line)
                }
            } catch {
                drops.count("messages longer than \(GatewayMessages.maximumLines) IRC lines")
            }
        default:
            drops.countUnrelayed(roomEvent)
        }
    }

    // MARK: IRC → room

    private func fromIRC(_ event: IRCClientEvent, into session: ChatSession) async {
        switch event {
        case .message(let line):
            guard line.command == "PRIVMSG" || line.command == "NOTICE", line.parameters.count >= 2,
                IRCCaseMapping.rfc1459.equals(line.parameters[0], channel)
            else { return }
            let source = IRCUserHost(parsing: line.source ?? "").nick
            guard !IRCCaseMapping.rfc1459.equals(source, ownNick.withLock { $0 }) else { return }  // echo-message
            let (body, payloads, _) = messages.inbound(line)
            let isAction = payloads.contains { $0.meaning == .action }
            let text = isAction ? "\(RelayFormat.safe(source)) \(body ?? "")" : format.prefix(source) + (body ?? "")
            let message = Message(
                kind: .room, from: .session(session.id), to: .room(room), body: text,
                payloads: payloads.filter { $0.meaning == .action })
            do {
                try await session.send(message)
            } catch {
                drops.count("messages the room refused (\(error))")
            }
        case .registered(let nick), .nickChanged(_, let nick):
            ownNick.withLock { $0 = nick }
        case .memberChanged:
            drops.count("IRC joins, parts, quits, kicks and nick changes")
        default:
            return
        }
    }
}

/// The bridge's side of its model session: room events go to the bridge's queue, in order.
final class RelayMind: SessionMind {
    let protocolFamily = ProtocolFamily("relay")
    private let inbox: AsyncStream<ChatEvent>.Continuation

    init(_ inbox: AsyncStream<ChatEvent>.Continuation) {
        self.inbox = inbox
    }

    func deliver(_ event: ChatEvent) throws {
        inbox.yield(event)
    }
}

/// How a relayed message names its sender: `format` with `{nick}` replaced by the nick,
/// as written (so pings and copy-paste work as the sender's name does), with control and
/// invisible format characters removed so that no colour code, direction mark or
/// zero-width character can be forged through it.
struct RelayFormat: Equatable, Sendable {
    let format: String

    /// nil when `format` lacks `{nick}`.
    init?(_ format: String) {
        guard format.contains("{nick}") else { return nil }
        self.format = format
    }

    func prefix(_ nick: String) -> String {
        format.replacingOccurrences(of: "{nick}", with: Self.safe(nick))
    }

    /// `nick` without control (Cc) or format (Cf) characters, at most 64 characters.
    static func safe(_ nick: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in nick.unicodeScalars {
            let category = scalar.properties.generalCategory
            if category != .control && category != .format { scalars.append(scalar) }
        }
        let cleaned = String(String(scalars).prefix(64))
        return cleaned.isEmpty ? "?" : cleaned
    }
}

/// What a bridge did not relay, counted by reason; logged sparsely (`SparseLog`).
final class RelayDrops: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func count(_ reason: String) {
        let count = counts.withLock { counts in
            counts[reason, default: 0] += 1
            return counts[reason]!
        }
        if SparseLog.isLogged(count) {
            logger.info("not relayed", metadata: ["reason": "\(reason)", "count": "\(count)"])
        }
    }

    /// Counts a room event other than a message: joins, parts and nick changes, subject,
    /// configuration and ban changes do not cross a relay (our own entering is not counted).
    func countUnrelayed(_ event: RoomEvent) {
        switch event {
        case .entered, .privateMessage, .message:
            return
        case .occupantJoined, .occupantLeft, .occupantChanged:
            count("room joins, parts and nick changes")
        default:
            count("subject, configuration and ban changes of the room")
        }
    }

    /// The counts so far, by reason.
    var snapshot: [String: Int] { counts.withLock { $0 } }
}
