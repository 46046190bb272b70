import Foundation
import Testing

/// XMPP over BOSH (XEP-0124, XEP-0206) end to end: the real `parleyd xmpp-c2s` with its
/// HTTP listener on loopback, a raw BOSH client written with Python's standard library
/// (http.client) beside a slixmpp client on TCP (Tests/Interop/xmpp/bosh_xep0206.py).
@Suite(.serialized) struct BOSHInteropTests {
    /// Runs bosh_xep0206.py against a `parleyd xmpp-c2s` started with `options`; `scenario`
    /// are the script's own options.
    private func run(options: [String], scenario: [String]) throws {
        let storage = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage.path)
        }
        let daemon = try ParleydProcess(
            ["--domain", "localhost", "--storage", storage.path, "xmpp-c2s", "--port", "0", "--http-port", "0"]
                + ["--max-stanza", "16384", "--bosh-max-wait", "3"] + options)
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        let httpPort = try daemon.listeningPort(of: "xmpp-c2s BOSH")
        let outcome = try PythonPeer.run(
            "xmpp", "bosh_xep0206.py",
            ["--host", "127.0.0.1", "--port", "\(port)", "--http-port", "\(httpPort)", "--domain", "localhost"]
                + ["--max-stanza", "16384", "--max-wait", "3", "--timeout", "90"] + scenario,
            timeout: 120)
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(4000))")
    }

    /// Session creation, PLAIN (allowed in the clear for this test only, docs/web.md),
    /// restart, bind, a message each way (the reply through a held request), a repeated
    /// rid, terminate; bad rid, unknown sid, oversized and malformed bodies, foreign
    /// origins; a second BOSH session undisturbed.
    @Test func loginMessagesTerminateAndBadInput() throws {
        try run(options: ["--no-require-tls", "--allow-plain-without-tls"], scenario: ["--tls", "none"])
    }

    /// `http-tls`: the same over `https:` with the STARTTLS certificate (self-signed, made
    /// in the storage), PLAIN offered because the session is secure from its start, with
    /// the server's defaults otherwise (TLS required on TCP too).
    @Test func theSameOverHTTPS() throws {
        try run(options: ["--http-tls"], scenario: ["--tls", "starttls", "--scheme", "https"])
    }
}
