import Foundation
import Testing

/// The IRC gateway (irc-gateway) end to end: the real `parleyd` with xmpp-c2s and
/// irc-gateway, a slixmpp user in a channel of a real ngircd over TLS (the daemon's
/// self-signed certificate as the CA), and a python `irc` client on that network
/// (Tests/Interop/xmpp/gateway_ngircd.py).
@Suite(.serialized) struct IRCGatewayInteropTests {
    @Test func aSlixmppUserTalksInAnNgircdChannel() throws {
        let ngircd = try NgircdServer()
        defer { ngircd.stop() }
        let dir = try TemporaryDirectory()
        let process = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw",
            plugins: MUCInteropTests.plainC2S + """

                - plugin: irc-gateway
                  tls-ports: \(ngircd.tlsPort)
                  ca-file: \(ngircd.certificate)
                """)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", "gateway_ngircd.py",
            [
                "--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--irc-port", "\(ngircd.port)", "--timeout", "40",
            ])
        #expect(result.ok, "\(result)\n\(process.log)")
        #expect(result.checks.count == 20 && result.checks.values.allSatisfy { $0 }, "\(result.checks)")
    }
}
