import Foundation
import Testing

/// The IRC gateway (irc-gateway) end to end: the real `parleyd` with xmpp-c2s and
/// irc-gateway, a slixmpp user in a channel of a real ngircd over TLS (the daemon's
/// self-signed certificate as the CA), and a python `irc` client on that network
/// (Tests/Interop/xmpp/gateway_irc.py). Midway the test restarts ngircd.
@Suite(.serialized) struct IRCGatewayInteropTests {
    @Test func aSlixmppUserTalksInAnNgircdChannelAndComesBackAfterARestart() throws {
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let dir = try TemporaryDirectory()
        let process = try Self.gateway(in: dir, tlsPort: ngircd.tlsPort, certificate: ngircd.certificate)
        defer { process.stop() }
        let ready = dir.path + "/restart-now"
        let result = try Self.running(
            "gateway_irc.py",
            arguments: [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(ngircd.port)", "--timeout", "60",
                "--ready-file", ready,
            ],
            whenExists: ready, do: { try ngircd.restart() })
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 45 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
    }

    /// InspIRCd with IRCv3 (echo-message, msgid, message-tags, away-notify): one
    /// reflection with the network's msgid as stanza-id, `+draft/reply` as XEP-0461, AWAY
    /// as presence.
    @Test func aSlixmppUserInAnInspIRCdChannelWithIRCv3() throws {
        let inspircd = try InspIRCdServer()
        defer { inspircd.stop() }
        let dir = try TemporaryDirectory()
        let process = try Self.gateway(in: dir, tlsPort: inspircd.tlsPort, certificate: inspircd.certificate)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", "gateway_irc.py",
            [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(inspircd.port)", "--timeout", "40",
                "--ircd", "inspircd",
            ])
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 34 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
    }

    /// The same gateway as an external XEP-0114 component of Prosody, as biboumi runs: the
    /// slixmpp user logs in to Prosody, whose `irc.localhost` is `parleyd irc-gateway
    /// --connect` (no restart here).
    @Test func theGatewayAsAnExternalComponentUnderProsody() throws {
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let prosody = try ProsodyServer(component: "irc.localhost", secretPrefix: "gw-")
        defer { prosody.stop() }
        try prosody.register("alice", "alicepass")
        let dir = try TemporaryDirectory()
        let gateway = try ParleydProcess(
            in: dir, auth: "memory:nobody:nobodypw",
            plugins: """
                - plugin: irc-gateway
                  domain: irc.localhost
                  connect: 127.0.0.1:\(prosody.componentPort)
                  secret: \(prosody.secret)
                  tls-ports: \(ngircd.tlsPort)
                  ca-file: \(ngircd.certificate)
                  idle-timeout: 1
                """)
        defer { gateway.stop() }
        _ = try gateway.waitForLog("component connected")
        let result = try PythonPeer.run(
            "xmpp", "gateway_irc.py",
            [
                "--host", "127.0.0.1", "--port", "\(prosody.port)", "--domain", "localhost", "--tls", "none",
                "--mechanism", "PLAIN", "--irc-port", "\(ngircd.port)", "--timeout", "40", "--alice-password", "alicepass",
            ])
        #expect(result.ok, "\(result)\n\(gateway.log)")
        #expect(result.checks.count == 40 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
    }

    /// The `configure` ad-hoc command (XEP-0050, biboumi's fields): alice points the
    /// gateway at this parleyd's own irc-server (plain port, SASL, accounts only) after the
    /// default TLS port failed, and her settings land in `storage/irc-gateway/`, readable
    /// by the server's user only; then the channel's `persistent` setting keeps her in
    /// `#dev` while she is away, and she gets what was said as history
    /// (Tests/Interop/xmpp/gateway_configure.py).
    @Test func theConfigureCommandSetsPortsAndSASL() throws {
        let dir = try TemporaryDirectory()
        let closed = try freePort()  // nothing listens there: the gateway's only TLS port
        let process = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw,bob:bobpw",
            plugins: MUCInteropTests.plainC2S + "\n" + MUCInteropTests.ircServer + """

                - plugin: irc-gateway
                  tls-ports: \(closed)
                  idle-timeout: 1
                """)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", "gateway_configure.py",
            [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(try process.listeningPort(of: "irc-server"))",
                "--timeout", "40",
            ])
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 17 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
        let folder = dir.path + "/storage/irc-gateway"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".conf") }
        // The network's record and #dev's (`#` written %23).
        #expect(files.count == 2)
        let channel = files.first { $0.contains("%23dev") } ?? ""
        #expect(((try? String(contentsOfFile: folder + "/" + channel, encoding: .utf8)) ?? "").contains("persistent = true\n"))
        let path = folder + "/" + (files.first { !$0.contains("%23") } ?? "")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        #expect(text.hasPrefix("# parley-irc-gateway 1\n"))
        #expect(text.contains("ports = \(try process.listeningPort(of: "irc-server"))\n"))
        #expect(text.contains("sasl-password = alicepw\n"))
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0, "mode \(String(mode, radix: 8))")
    }

    /// A relay bridge (irc-bridge) between the local room `dev` and `#ext` on a real
    /// ngircd: one bot each side, messages and actions both ways with the sender's nick, no
    /// loops, and what is not relayed (bob's join) counted in the log
    /// (Tests/Interop/xmpp/bridge_irc.py).
    @Test func aRelayBridgeLinksALocalRoomToAChannelElsewhere() throws {
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let dir = try TemporaryDirectory()
        let process = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw",
            plugins: MUCInteropTests.plainC2S + "\n- plugin: muc\n" + Self.ircBridge(port: ngircd.port, nick: "relay"))
        defer { process.stop() }
        _ = try process.waitForLog("relay bridge running")
        let result = try PythonPeer.run(
            "xmpp", "bridge_irc.py",
            [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(ngircd.port)", "--timeout", "40",
            ])
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 12 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
        #expect(process.log.contains("IRC joins, parts, quits, kicks and nick changes"), "\(process.log)")
    }

    /// A graceful stop of `parleyd` (SIGTERM) QUITs the puppets with the gateway's reason
    /// (Tests/Interop/xmpp/gateway_shutdown.py).
    @Test func aGracefulStopQuitsThePuppetsWithAReason() throws {
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let dir = try TemporaryDirectory()
        let process = try Self.gateway(in: dir, tlsPort: ngircd.tlsPort, certificate: ngircd.certificate)
        defer { process.stop() }
        let ready = dir.path + "/stop-now"
        let result = try Self.running(
            "gateway_shutdown.py",
            arguments: [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(ngircd.port)", "--timeout", "40",
                "--ready-file", ready,
            ],
            whenExists: ready, do: { process.signal(SIGTERM) })
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks["quit_with_reason"] == true, "\(result.checks)")
    }

    /// An irc-bridge entry linking the local room `dev` to `#ext` on a plain ircd port.
    static func ircBridge(port: Int, nick: String) -> String {
        """
        - plugin: irc-bridge
          room: dev
          host: 127.0.0.1
          port: \(port)
          tls: false
          channel: "#ext"
          nick: \(nick)

        """
    }

    /// `parleyd` with xmpp-c2s (plain, for alice) and irc-gateway, which reaches the ircd
    /// over TLS on `tlsPort` with its self-signed `certificate` as the CA.
    static func gateway(in dir: TemporaryDirectory, tlsPort: Int, certificate: String) throws -> ParleydProcess {
        try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw",
            plugins: MUCInteropTests.plainC2S + """

                - plugin: irc-gateway
                  tls-ports: \(tlsPort)
                  ca-file: \(certificate)
                  idle-timeout: 1
                """)
    }

    /// Runs `script`; once the file `marker` exists, runs `action` while the scenario waits.
    static func running(_ script: String, arguments: [String], whenExists marker: String, do action: () throws -> Void)
        throws -> PythonPeer.Outcome
    {
        let box = OutcomeBox()
        let thread = Thread {
            box.set(Result { try PythonPeer.run("xmpp", script, arguments, timeout: 120) })
        }
        thread.start()
        var acted = false
        while true {
            if let result = box.get() { return try result.get() }
            if !acted && FileManager.default.fileExists(atPath: marker) {
                acted = true
                try action()
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The scenario's outcome, handed from its thread to the test's.
    final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<PythonPeer.Outcome, any Error>?
        func set(_ value: Result<PythonPeer.Outcome, any Error>) { lock.withLock { result = value } }
        func get() -> Result<PythonPeer.Outcome, any Error>? { lock.withLock { result } }
    }
}
