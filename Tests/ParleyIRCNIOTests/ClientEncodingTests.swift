import ParleyIRC
import ParleyIRCNIO
import Testing

/// Per-network encoding fallback: lines that are not UTF-8 decode with the configured
/// single-byte charset.
@Suite struct ClientEncodingTests {
    @Test(arguments: [
        (IRCTextDecoding.Fallback.latin1, "caf\u{E9} \u{80}"), (.windows1252, "caf\u{E9} \u{20AC}"),
    ])
    func nonUTF8LinesUseTheFallback(fallback: IRCTextDecoding.Fallback, expected: String) async throws {
        let server = ClientFakeServer()
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let configuration = IRCClientConfiguration(
            host: "127.0.0.1", port: port, nick: "enc", capabilities: [], channels: ["#c": nil],
            encodingFallback: fallback)
        let client = try IRCClient(configuration: configuration)
        await client.start()
        var text: String?
        for await event in client.events {
            if event == .joined(channel: "#c") {
                await client.send(IRCMessage(command: "PRIVMSG", parameters: ["#c", "legacy"]))
            }
            if case .message(let message) = event, message.source?.hasPrefix("old!") == true {
                text = message.parameters.last
                break
            }
        }
        await client.stop()
        #expect(text == expected)
    }
}
