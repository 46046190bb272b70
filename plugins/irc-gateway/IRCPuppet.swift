import Foundation
import Logging
import ParleyCore
import ParleyIRCNIO

/// The shell of one XMPP user's connection to one IRC network: runs `PuppetState` (the
/// protocol logic) and performs its actions: the IRC client's lines, joins and parts,
/// stanzas through the component link, timers.
actor IRCPuppet {
    private var state: PuppetState
    private let logger: Logger
    private var client: IRCClient?
    private var eventTask: Task<Void, Never>?
    /// Called once the puppet has no channel left and has quit.
    private let onFinished: @Sendable (IRCPuppet) -> Void

    init(
        user: UserID, network: String, nick: String, settings: NetworkSettings, context: GatewayContext, logger: Logger,
        isPersistent: @escaping @Sendable (String) -> Bool = { _ in false },
        onFinished: @escaping @Sendable (IRCPuppet) -> Void
    ) {
        state = PuppetState(
            user: user, network: network, nick: nick, settings: settings, context: context, isPersistent: isPersistent)
        self.logger = logger
        self.onFinished = onFinished
    }

    /// Handles one request of the user's; in order, one at a time.
    func handle(_ request: GatewayRequest) async {
        await perform(state.handle(request))
    }

    /// Whether `session` is in the channel `name` (XEP-0410 self-pings).
    func isIn(_ name: String, session: SessionID) -> Bool {
        state.isIn(name, session: session)
    }

    private func receive(_ event: IRCClientEvent) async {
        await perform(state.receive(event))
    }

    private func perform(_ actions: [PuppetAction]) async {
        for action in actions {
            switch action {
            case .send(let lines):
                for line in lines { await client?.send(line) }
            case .post(let traffic):
                state.context.link.post(traffic)
            case .connect(let configuration):
                await connect(configuration)
            case .disconnectClient:
                await stopClient(message: nil)
            case .join(let name, let key):
                await client?.join(name, key: key)
            case .part(let name):
                await client?.part(name)
            case .scheduleLeave(let key, let generation, let seconds):
                Task { [weak self] in
                    try? await Task.sleep(for: .seconds(seconds))
                    await self?.leaveIfIdle(key, generation: generation)
                }
            case .log(let message, let metadata):
                logger.info("\(message)", metadata: metadata.mapValues { .string($0) })
            case .finish(let quitMessage):
                await stopClient(message: quitMessage)
                onFinished(self)
            }
        }
    }

    private func leaveIfIdle(_ key: String, generation: Int) async {
        await perform(state.leaveIfIdle(key, generation: generation))
    }

    private func connect(_ configuration: IRCClientConfiguration) async {
        do {
            let client = try IRCClient(configuration: configuration)
            self.client = client
            eventTask = Task { [weak self] in
                for await event in client.events {
                    guard let self else { return }
                    await self.receive(event)
                }
            }
            await client.start()
        } catch {
            await perform(state.connectFailed("\(error)"))
        }
    }

    private func stopClient(message: String?) async {
        let stopped = client
        client = nil
        eventTask?.cancel()
        eventTask = nil
        await stopped?.stop(message: message)
    }
}
