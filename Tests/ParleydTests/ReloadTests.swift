import Foundation
import ParleyIRC
import Testing

/// SIGHUP reloads what the listeners can change live: irc-server's MOTD file and TLS
/// certificate, xmpp-c2s's STARTTLS certificate (a renewed certificate is served to new
/// TLS connections without a restart); a file that fails to load leaves the running one in
/// place.
@Suite(.serialized) struct ReloadTests {
    /// The certificate a TLS client is shown on `port` (`openssl s_client`, with XMPP's
    /// STARTTLS when `xmpp`), as PEM.
    private func servedCertificate(port: UInt16, xmpp: Bool = false) throws -> String {
        let starttls = xmpp ? ["-starttls", "xmpp", "-xmpphost", "localhost"] : []
        let result = try ChildProcess.run(
            "/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + starttls,
            timeout: 20)
        let text = result.stdoutText
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex)
        else { throw TestFailure("no certificate from s_client: \(text.suffix(500)) \(result.stderrText.suffix(500))") }
        return String(text[start.lowerBound..<end.upperBound])
    }

    private func firstCertificate(inFile path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex)
        else { throw TestFailure("no certificate in \(path)") }
        return String(text[start.lowerBound..<end.upperBound])
    }

    /// The MOTD lines a freshly registered guest sees.
    private func motd(port: UInt16, nick: String) throws -> [String] {
        let client = try LineClient(port: port)
        client.send("NICK \(nick)")
        client.send("USER \(nick) 0 * :\(nick)")
        var lines: [String] = []
        while let line = client.readLine() {
            let message = try IRCMessage(parsing: line)
            if message.command == "372" { lines.append(message.parameters.last ?? "") }
            if message.command == "376" || message.command == "422" { break }
        }
        client.send("QUIT")
        return lines
    }

    @Test func sighupReloadsTheMOTDAndTheCertificate() throws {
        let dir = try TemporaryDirectory()
        let motdFile = dir.path + "/motd.txt"
        try "first message of the day\n".write(toFile: motdFile, atomically: true, encoding: .utf8)
        let (certificate, key) = try IRCDaemon.makeCertificate(in: dir.path)
        let first = try firstCertificate(inFile: certificate)
        let tlsPort = try freePort()
        let daemon = try ParleydProcess([
            "--domain", "localhost", "--storage", dir.path + "/storage", "--auth", "anonymous", "irc-server",
            "--port", "0", "--tls-port", "\(tlsPort)", "--certificate", certificate, "--private-key", key,
            "--motd-file", motdFile, "--allow-guests",
        ])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "irc-server")
        #expect(try motd(port: port, nick: "one") == ["- first message of the day"])
        #expect(try servedCertificate(port: tlsPort) == first)

        // Renewed files, then SIGHUP.
        try "second message\n".write(toFile: motdFile, atomically: true, encoding: .utf8)
        _ = try IRCDaemon.makeCertificate(in: dir.path)
        let second = try firstCertificate(inFile: certificate)
        #expect(second != first)
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog("irc-server: TLS certificate reloaded")
        #expect(try motd(port: port, nick: "two") == ["- second message"])
        #expect(try servedCertificate(port: tlsPort) == second)

        // A broken certificate file: the running certificate stays, and it says so.
        try "not a certificate".write(toFile: certificate, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog("TLS certificate not reloaded; the running one stays")
        #expect(try servedCertificate(port: tlsPort) == second)
    }

    @Test func sighupReloadsTheSTARTTLSCertificateOfXMPPC2S() throws {
        let dir = try TemporaryDirectory()
        let (certificate, key) = try IRCDaemon.makeCertificate(in: dir.path)
        let first = try firstCertificate(inFile: certificate)
        let daemon = try ParleydProcess([
            "--domain", "localhost", "--storage", dir.path + "/storage", "--auth", "anonymous", "xmpp-c2s",
            "--port", "0", "--tls-certificate", certificate, "--tls-key", key,
        ])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        #expect(try servedCertificate(port: port, xmpp: true) == first)
        _ = try IRCDaemon.makeCertificate(in: dir.path)
        let second = try firstCertificate(inFile: certificate)
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog("xmpp-c2s: TLS certificate reloaded")
        #expect(try servedCertificate(port: port, xmpp: true) == second)
    }
}
