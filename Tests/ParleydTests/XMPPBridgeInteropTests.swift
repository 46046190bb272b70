import Foundation
import Testing

/// The XMPP leg of relay bridges (xmpp-bridge) end to end: the real `parleyd` (xmpp-c2s,
/// muc, xmpp-bridge and irc-bridge on the same room) against a real Prosody with a MUC
/// service as the other server (its bot logs in with STARTTLS, Prosody's self-signed
/// certificate as the CA, and SCRAM), a slixmpp user on each server, and a python `irc`
/// user on a real ngircd (Tests/Interop/xmpp/bridge_xmpp.py).
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
    }
}
