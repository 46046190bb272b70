import Foundation
import ParleyIRC
import ParleyIRCNIO
import Testing

@testable import IRCServerPlugin

/// Parley's IRC client library (`ParleyIRCNIO.IRCClient`) against Parley's own `irc-server`
/// in this process: SASL PLAIN (IRCv3 sasl-3.1, RFC 4616) over TLS and, when
/// `allow-plain-without-tls` is set, on the plain port; a wrong password (904); and two
/// library clients talking in a channel with a client-only tag (IRCv3 message-tags).
@Suite struct ClientAgainstServerTests {
    /// The self-signed certificate the harness's server generated for its domain.
    static func certificatePath(_ server: ServerHarness) -> String {
        "\(server.directory)/tls/\(ServerHarness.domain).crt"
    }

    /// A configuration for `server`: TLS or the plain port, SASL as `account`/`password`,
    /// no reconnects.
    ///
    /// TLS does not check the certificate (`.none`) unless `pinned`: the harness's
    /// self-signed certificate (TLSMaterial.makeSelfSigned) has KeyUsage digitalSignature
    /// only, and BoringSSL then refuses it as its own trust anchor (CERTIFICATE_VERIFY_FAILED);
    /// see `pinningTheServersSelfSignedCertificate`.
    static func configuration(
        _ server: ServerHarness, tls: Bool, pinned: Bool = false, nick: String, account: String, password: String,
        required: Bool = false, channels: [String: String?] = [:]
    ) -> IRCClientConfiguration {
        var configuration = IRCClientConfiguration(
            host: "127.0.0.1", port: tls ? server.tlsPort! : server.port, nick: nick,
            sasl: .init(account: account, password: password, required: required), channels: channels,
            reconnects: false)
        if tls {
            configuration.tls = IRCClientTLS(
                verification: pinned ? .caFile(certificatePath(server)) : .none, serverName: ServerHarness.domain)
        }
        return configuration
    }

    @Test func pinningTheServersSelfSignedCertificate() async throws {
        try await withClients(configure: { $0.allowPlainWithoutTLS = false }) { server, session in
            let alice = try await session.start(
                Self.configuration(
                    server, tls: true, pinned: true, nick: "alice", account: "alice", password: "alicepw"))
            // The generated self-signed certificate (TLSMaterial.makeSelfSigned) is usable as
            // a trust root: the client pins it and verifies the server against it.
            _ = try await alice.wait("authenticated over a pinned TLS connection") {
                $0 == .authenticated(account: "alice")
            }
        }
    }

    @Test func saslPlainOverTLSAndAChannelMessageKeepsItsClientTag() async throws {
        // Without allow-plain-without-tls: PLAIN is offered on the TLS port only.
        try await withClients(configure: { $0.allowPlainWithoutTLS = false }) { server, session in
            // The account name is sent as `Alice`: the store folds case, and the account
            // the client reports is the server's (from 900 RPL_LOGGEDIN), not the one sent.
            let alice = try await session.start(
                Self.configuration(
                    server, tls: true, nick: "alice", account: "Alice", password: "alicepw", channels: ["#lab": nil]))
            let bob = try await session.start(
                Self.configuration(
                    server, tls: true, nick: "bob", account: "bob", password: "bobpw", channels: ["#lab": nil]))

            let aliceSASL = try await alice.wait("alice SASL result") {
                if case .authenticated = $0 { return true }
                if case .authenticationFailed = $0 { return true }
                return false
            }
            #expect(alice.all[aliceSASL] == .authenticated(account: "alice"))
            _ = try await bob.wait("bob authenticated") { $0 == .authenticated(account: "bob") }
            let enabled = alice.all.compactMap { event -> Set<String>? in
                if case .capabilitiesEnabled(let caps) = event { return caps }
                return nil
            }
            #expect(enabled.first?.isSuperset(of: ["sasl", "message-tags"]) == true)
            _ = try await alice.wait("alice registered") { $0 == .registered(nick: "alice") }
            _ = try await alice.wait("alice joined #lab") { $0 == .joined(channel: "#lab") }
            _ = try await bob.wait("bob joined #lab") { $0 == .joined(channel: "#lab") }

            // The server knows the account too: WHOIS → 330 RPL_WHOISACCOUNT.
            let whoisStart = alice.all.count
            await alice.client.send(IRCMessage(command: "WHOIS", parameters: ["bob"]))
            let whois = try await alice.wait("330 for bob", after: whoisStart) {
                if case .other(let line) = $0 { return line.command == "330" }
                return false
            }
            if case .other(let line) = alice.all[whois] {
                #expect(Array(line.parameters.dropFirst().prefix(2)) == ["bob", "bob"])
            }

            // A client-only tag (with characters that need escaping) survives the relay.
            let tag = IRCTag("+parley.test/ref", "a b;c\\d")
            await alice.client.send(
                IRCMessage(tags: [tag], command: "PRIVMSG", parameters: ["#lab", "hello bob"]))
            let received = try await bob.wait("alice's message") {
                if case .message(let line) = $0 { return line.command == "PRIVMSG" }
                return false
            }
            guard case .message(let line) = bob.all[received] else { return }
            #expect(line.parameters == ["#lab", "hello bob"])
            #expect(line.source?.hasPrefix("alice!") == true)
            #expect(line.tags.first { $0.key == tag.key } == tag)
            #expect(line.tags.contains { $0.key == "msgid" && !($0.value ?? "").isEmpty })

            // And back, without tags.
            await bob.client.send(IRCMessage(command: "PRIVMSG", parameters: ["#lab", "hi alice"]))
            let answer = try await alice.wait("bob's answer") {
                if case .message(let line) = $0 { return line.parameters == ["#lab", "hi alice"] }
                return false
            }
            if case .message(let line) = alice.all[answer] {
                #expect(line.source?.hasPrefix("bob!") == true)
                #expect(!line.tags.contains { $0.isClientOnly })
            }
        }
    }

    @Test func saslPlainOnThePlainPortWhenAllowed() async throws {
        try await withClients(configure: { $0.allowPlainWithoutTLS = true }) { server, session in
            let alice = try await session.start(
                Self.configuration(server, tls: false, nick: "alice", account: "ALICE", password: "alicepw"))
            _ = try await alice.wait("authenticated") { $0 == .authenticated(account: "alice") }
            _ = try await alice.wait("registered") { $0 == .registered(nick: "alice") }
            #expect(await alice.client.enabledCapabilities.contains("sasl"))
            #expect(!alice.all.contains { if case .authenticationFailed = $0 { true } else { false } })
        }
    }

    @Test func saslPlainIsNotOfferedOnThePlainPortByDefault() async throws {
        try await withClients(configure: { $0.allowPlainWithoutTLS = false }) { server, session in
            let alice = try await session.start(
                Self.configuration(server, tls: false, nick: "alice", account: "alice", password: "alicepw"))
            let enabled = try await alice.wait("capabilities") {
                if case .capabilitiesEnabled = $0 { return true }
                return false
            }
            guard case .capabilitiesEnabled(let caps) = alice.all[enabled] else { return }
            #expect(!caps.contains("sasl"))
            #expect(caps.contains("message-tags"))
            #expect(!alice.all.contains { if case .authenticated = $0 { true } else { false } })
        }
    }

    @Test(arguments: [true, false])
    func wrongPasswordIsRefusedWith904(tls: Bool) async throws {
        try await withClients(configure: { $0.allowPlainWithoutTLS = true }) { server, session in
            let mallory = try await session.start(
                Self.configuration(
                    server, tls: tls, nick: "mallory", account: "alice", password: "wrong", required: true))
            let failed = try await mallory.wait("SASL result") {
                if case .authenticated = $0 { return true }
                if case .authenticationFailed = $0 { return true }
                return false
            }
            // 904 ERR_SASLFAIL's text; 905–907 would carry other texts.
            #expect(mallory.all[failed] == .authenticationFailed(reason: "SASL authentication failed"))
            // `required`: the client quits instead of registering unauthenticated.
            _ = try await mallory.wait("disconnected") { if case .disconnected = $0 { true } else { false } }
            #expect(!mallory.all.contains { if case .registered = $0 { true } else { false } })
        }
    }
}

/// The clients of one test, stopped (with the server) when the test ends.
final class ClientSession: @unchecked Sendable {
    private let lock = NSLock()
    private var recorders: [RecordedClient] = []

    /// Creates and starts a client; its events are recorded from the start.
    func start(_ configuration: IRCClientConfiguration) async throws -> RecordedClient {
        let recorder = RecordedClient(try IRCClient(configuration: configuration))
        lock.withLock { recorders.append(recorder) }
        await recorder.client.start()
        return recorder
    }

    func stopAll() async {
        for recorder in lock.withLock({ recorders }) { await recorder.client.stop() }
    }
}

/// An `IRCClient` and every event it reported so far.
final class RecordedClient: @unchecked Sendable {
    let client: IRCClient
    private let lock = NSLock()
    private var events: [IRCClientEvent] = []

    init(_ client: IRCClient) {
        self.client = client
        Task { [weak self, client] in
            for await event in client.events {
                guard let self else { return }
                self.lock.withLock { self.events.append(event) }
            }
        }
    }

    var all: [IRCClientEvent] { lock.withLock { events } }

    /// Waits until an event at an index ≥ `after` matches; returns its index.
    func wait(
        _ what: String, after start: Int = 0, timeout: TimeInterval = 15, _ predicate: (IRCClientEvent) -> Bool
    ) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let snapshot = all
            if start < snapshot.count, let index = snapshot[start...].firstIndex(where: predicate) { return index }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ClientWaitError(description: "no '\(what)' event; events:\n" + all.map { "\($0)" }.joined(separator: "\n"))
    }
}

/// A client event that did not come.
struct ClientWaitError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body` with a fresh in-process server and a client session, stopping both afterwards
/// even when the body throws.
func withClients(
    configure: @escaping (inout IRCServerSettings) -> Void, _ body: (ServerHarness, ClientSession) async throws -> Void
) async throws {
    let server = try await ServerHarness(configure: configure)
    let session = ClientSession()
    do {
        try await body(server, session)
    } catch {
        await session.stopAll()
        await server.stop()
        throw error
    }
    await session.stopAll()
    await server.stop()
}
