import Foundation
import Testing

/// Federation end to end (Tests/Interop/xmpp/s2s): the real `parleyd` with `xmpp-c2s`,
/// `muc` and `xmpp-s2s` as a.test, Debian's Prosody as b.test, each on its own loopback
/// address in a private network, mount and pid namespace that federate.sh makes (its own
/// hosts file, resolv.conf and, with `--srv`, a dnsmasq serving SRV records), a test CA it
/// makes with openssl, and slixmpp users on both servers.
@Suite(.serialized) struct FederationInteropTests {
    static let harness = PythonPeer.root + "/Tests/Interop/xmpp/s2s/federate.sh"

    /// Runs `scenario` between parleyd (A) and Prosody (B); `options` are federate.sh's.
    private func federate(_ options: [String], _ scenario: String, _ arguments: [String] = []) throws -> PythonPeer.Outcome {
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run(
                "/bin/bash", [Self.harness, "--a", "parley", "--parleyd", ParleydProcess.binary] + options + ["--", scenario] + arguments,
                timeout: 240)
        } catch is ChildProcess.TimedOut {
            throw TestFailure("federate.sh \(scenario) did not finish within 240 s")
        }
        let lastLine = result.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(lastLine.utf8))) as? [String: Any] ?? [:]
        return PythonPeer.Outcome(status: result.status, json: json, stderr: result.stderrText)
    }

    /// XEP-0220 dialback over required STARTTLS (self-signed certificates on Parley's
    /// side): subscriptions both ways, presence, chat with a custom payload, IQs to the
    /// remote server, an unresolvable domain bounced with remote-server-not-found.
    @Test func dialbackWithProsody() throws {
        let outcome = try federate(["--mode", "dialback"], "federation.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["harness_s2s_auth_dialback"] == true)
        #expect(outcome.checks["harness_s2s_tls"] == true)
    }

    /// XEP-0178 SASL EXTERNAL both ways: both servers trust the test CA.
    @Test func saslExternalWithProsody() throws {
        let outcome = try federate(["--mode", "external"], "federation.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["harness_s2s_auth_external"] == true)
    }

    /// Prosody found through DNS SRV on a port other than 5269 (dnsmasq in the namespace),
    /// by Parley's resolver (libresolv) and by Prosody's.
    @Test func srvRecordsFindTheServer() throws {
        let outcome = try federate(["--mode", "dialback", "--srv"], "federation.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["harness_srv_used"] == true)
    }

    /// XEP-0045 across servers: bob@b.test in Parley's dev@conference.a.test, where an IRC
    /// user (the python `irc` library on Parley's irc-server) is too, and alice in Prosody's
    /// lobby@conference.b.test; groupchat both ways, hostile text kept to PRIVMSG lines.
    @Test func roomsAcrossServersWithAnIRCUser() throws {
        let outcome = try federate(["--mode", "external"], "federation_muc.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks.keys.contains { $0.hasPrefix("irc") }, "the IRC part did not run: \(outcome.checks.keys.sorted())")
    }

    /// Debian's ejabberd 23.01 as b.test, by dialback: chat, presence, IQs, bounces.
    @Test func dialbackWithEjabberd() throws {
        let outcome = try federate(["--b", "ejabberd", "--mode", "dialback"], "federation.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["harness_s2s_auth_dialback"] == true)
    }

    /// ejabberd by SASL EXTERNAL, with rooms both ways and the IRC user.
    @Test func roomsAcrossServersWithEjabberd() throws {
        let outcome = try federate(["--b", "ejabberd", "--mode", "external"], "federation_muc.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["harness_s2s_auth_external"] == true)
    }

    /// A hostile remote server (s2s_hostile.py as evil.test): stanzas before authentication,
    /// a spoofed domain, a wrong dialback key, impersonating b.test, never finishing,
    /// oversized and malformed XML, floods while Prosody's users go on chatting, and a
    /// silent server bouncing Parley's outgoing message with remote-server-timeout.
    @Test func hostileRemoteServers() throws {
        let limits = ["negotiation-timeout=3", "max-stanzas-per-second=200", "max-stanza=65536"]
        let outcome = try federate(["--mode", "dialback"] + limits.flatMap { ["--parley-s2s-option", $0] }, "s2s_hostile.py")
        #expect(outcome.ok, "\(outcome)")
    }

    /// `require-valid-certificate`: a self-signed evil.test gets neither SASL EXTERNAL nor
    /// dialback, while Prosody with a certificate from the CA still federates.
    @Test func requireValidCertificate() throws {
        let outcome = try federate(
            ["--mode", "external", "--parley-s2s-option", "require-valid-certificate=true"], "s2s_hostile.py")
        #expect(outcome.ok, "\(outcome)")
    }
}
