import Logging
import NIOCore
import ParleyCore
import ParleyCred
import ParleyServerNIO

/// One text-chat client, on the server runtime: an actor on its channel's event loop that
/// hands its lines in order from a `SerialInbox` (reading pauses while 64 wait) to its
/// `TextChatClient`, whose replies go to the channel. Events from the service
/// reach the client through `TextChatMind` without passing through here. The loop's
/// sweeper enforces the login timeout.
final actor TextChatConnection: LoopBoundConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated var eventLoop: any EventLoop { channel.eventLoop }
    nonisolated let client: TextChatClient
    nonisolated let mind: TextChatMind
    nonisolated var logger: Logger { client.logger }
    private let registry: ConnectionRegistry<TextChatConnection>
    private let loginTimeout: TimeAmount
    private let openedAt = NIODeadline.now()
    private var inbox = SerialInbox<String>(limit: 64)
    private var ended = false

    init(
        channel: any Channel, portal: Portal<ChatRealm>, chat: ChatService, logger: Logger,
        registry: ConnectionRegistry<TextChatConnection>, loginTimeout: TimeAmount
    ) {
        self.channel = channel
        self.registry = registry
        self.loginTimeout = loginTimeout
        let mind = TextChatMind(channel: channel, translation: chat.translation)
        self.mind = mind
        self.client = TextChatClient(portal: portal, chat: chat, logger: logger, mind: mind)
    }

    nonisolated var isLoggedIn: Bool { client.isLoggedIn }

    nonisolated func write(_ line: String) {
        mind.write([line])
    }

    // MARK: The runtime's side

    /// One decoded line, on the event loop: it waits its turn in the inbox.
    func receive(_ line: String) {
        guard !ended else { return }
        let idle = inbox.push(line)
        inbox.updateReading(of: channel)
        if idle { Task { await self.drain() } }
    }

    /// Runs waiting lines in order until the inbox is empty or a line ends the connection.
    private func drain() async {
        while !ended, let line = inbox.next() {
            inbox.updateReading(of: channel)
            if await !handle(line) {
                await end()
                return
            }
        }
    }

    /// Parses and runs one line; false when the connection should close.
    private func handle(_ line: String) async -> Bool {
        let command: TextChatCommand
        do {
            command = try TextChatCommand.parse(
                line, domain: client.chat.domain, isServiceDomain: client.chat.hasComponent(for:))
        } catch {
            write("ERR \(error.code) \(error.message)")
            return true
        }
        let mind = self.mind
        return await client.handle(command) { mind.write(TextChatRenderer.lines(for: $0)) }
    }

    /// The login timeout, checked by the loop's sweeper.
    func tick(now: NIODeadline) {
        inbox.compact()
        guard !ended, !isLoggedIn, now - openedAt > loginTimeout else { return }
        write("ERR login-timeout")
        channel.close(promise: nil)
    }

    /// The connection is over (QUIT, or the channel closed): end the session and close.
    func end() async {
        guard !ended else { return }
        ended = true
        inbox.removeAll()
        registry.forget(self)
        await close()
        try? await channel.close()
    }

    /// Ends the session and the login; safe to call more than once.
    func close() async {
        await client.close()
    }
}

/// The text-chat side of a chat session: renders each event as lines and writes them to
/// the connection. Throws when the connection is gone, so the service drops the session.
final class TextChatMind: SessionMind {
    let channel: any Channel
    let translation: TranslationTable
    var protocolFamily: ProtocolFamily { TextChatRenderer.family }

    struct Gone: Error {}

    init(channel: any Channel, translation: TranslationTable) {
        self.channel = channel
        self.translation = translation
    }

    func deliver(_ event: ChatEvent) throws {
        guard channel.isActive else { throw Gone() }
        write(TextChatRenderer.lines(for: event, translation: translation))
        if case .closed = event { channel.close(promise: nil) }
    }

    func write(_ lines: [String]) {
        var buffer = channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.utf8.count + 2 })
        for line in lines {
            buffer.writeString(line)
            buffer.writeStaticString("\r\n")
        }
        channel.writeAndFlush(buffer, promise: nil)
    }
}
