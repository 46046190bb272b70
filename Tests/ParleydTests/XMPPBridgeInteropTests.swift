import Foundation
import Testing

/// The XMPP leg of relay bridges (xmpp-bridge) end to end: the real `parleyd` (xmpp-c2s,
/// muc, xmpp-bridge and irc-bridge on the same room) against a real Prosody with a MUC
/// service as the other server (its bot logs in with STARTTLS, Prosody's self-signed
/// certificate as the CA, and SCRAM), a slixmpp user on each server, and a python `irc`
/// user on a real ngircd (Tests/Interop/xmpp/bridge_xmpp.py); then Prosody restarts and
/// the bot comes back by itself.
@Suite(.serialized) struct XMPPBridgeInteropTests {
    @Test func aRelayBridgeLinksALocalRoomToAMUCRoomOnProsody() throws {
        let prosody = try ProsodyServer(domain: "far.test", muc: "rooms.far.test")
        defer { prosody.stop() }
        try prosody.register("relay", "relaypw")
        try prosody.register("carol", "carolpw")
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let far = ["--far-port", "\(prosody.port)", "--far-domain", "far.test", "--tls", "none", "--mechanism", "PLAIN"]
        // The far room's history, from before the bridge: it must not cross.
        let seed = try PythonPeer.run("xmpp", "bridge_xmpp.py", ["--port", "1", "--seed", "--timeout", "30"] + far)
        #expect(seed.ok && seed.checks["seeded"] == true, "\(seed)")
        let dir = try TemporaryDirectory()
        let process = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw",
            plugins: MUCInteropTests.plainC2S + """

                - plugin: muc
                - plugin: xmpp-bridge
                  room: dev
                  muc-room: dev@rooms.far.test
                  jid: relay@far.test
                  password: relaypw
                  host: 127.0.0.1
                  port: \(prosody.port)
                  ca-file: \(prosody.prosodyDirectory)/certs/far.test.crt
                  nick: relay

                """ + IRCGatewayInteropTests.ircBridge(port: ngircd.port, nick: "ircrelay"))
        defer { process.stop() }
        _ = try process.waitForLog("xmpp relay bridge joined the other room")
        _ = try process.waitForLog("relay bridge running")
        let result = try PythonPeer.run(
            "xmpp", "bridge_xmpp.py",
            [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--irc-port", "\(ngircd.port)", "--timeout", "60",
            ] + far, timeout: 90)
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 21 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
        // Counted, not relayed: carol's presence in the far room.
        #expect(process.log.contains("joins, parts and nick changes in the other room"), "\(process.log)")
        let online = try process.waitForLog("xmpp client online")
        #expect(online.contains("\"tls\":\"true\""), "the bot logged in without TLS: \(online)")

        // Prosody restarts: the bot reconnects (backoff with jitter) and rejoins on its own.
        try prosody.restart()
        try Self.waitUntil("the bot rejoined after the restart", in: process) {
            $0.components(separatedBy: "xmpp relay bridge joined the other room").count >= 3
        }
        let again = try PythonPeer.run(
            "xmpp", "bridge_xmpp.py",
            ["--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost", "--again", "--timeout", "40"]
                + far)
        #expect(again.ok && again.checks.count == 7, "\(again)\n\(again.checks)\n\(process.log)")
    }

    /// Waits up to `timeout` seconds until `condition` holds for the process's log.
    static func waitUntil(
        _ what: String, in process: ParleydProcess, timeout: TimeInterval = 30, _ condition: (String) -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(process.log) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("\(what): not within \(timeout) s\n\(process.log)")
    }
}
