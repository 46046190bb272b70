import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC

@testable import IRCServerPlugin

/// Runs `body` against a fresh server with the accounts alice, bob, carol and dave
/// (password `<name>pw`), stopping it afterwards even when the body throws.
func withChannelServer(
    configure: @escaping (inout IRCServerSettings) -> Void = { _ in },
    chat: (inout ChatServiceConfiguration) -> Void = { _ in }, _ body: (ServerHarness) async throws -> Void
) async throws {
    let server = try await ServerHarness(
        accounts: [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"), ("dave", "davepw")],
        configure: configure, chatConfiguration: chat)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

extension IRCTestClient {
    /// Sends JOIN and waits for the end of the NAMES burst of that channel.
    @discardableResult
    func joinChannel(_ channel: String, key: String? = nil) async throws -> [IRCMessage] {
        let start = received.count
        send("JOIN \(channel)" + (key.map { " " + $0 } ?? ""))
        try await waitFor("366", where: { $0.parameters.count > 1 && $0.parameters[1] == channel })
        return Array(received[start...])
    }

    /// Waits for a numeric and returns it.
    @discardableResult
    func expectNumeric(_ code: String, seconds: Double = 5) async throws -> IRCMessage {
        try await waitFor(code, timeout: seconds, where: { _ in true })
    }

    /// Whether any line with `command` arrives within `seconds`.
    func receives(_ command: String, within seconds: Double = 0.5, where match: (IRCMessage) -> Bool = { _ in true })
        async -> Bool
    {
        await drain(seconds: seconds).contains { $0.command == command && match($0) }
    }
}
