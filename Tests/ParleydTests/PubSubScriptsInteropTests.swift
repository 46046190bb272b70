import Foundation
import Testing

/// The two pubsub scenarios that also run against Prosody's mod_pubsub
/// (Tests/Interop/xmpp/run_pubsub_against_prosody.sh), here against `pubsub.localhost` of
/// the real `parleyd` (xmpp-c2s and `- plugin: pubsub` with no options): slixmpp's xep_0060
/// (Tests/Interop/xmpp/pubsub_slixmpp.py, with the refusals XEP-0060 names required) and
/// tx-xmpp's PubSubClient as the Wokkel seed uses it (pubsub_txxmpp.py), PEP included: a
/// nickname reaches a contact and not a stranger.
@Suite(.serialized) struct PubSubScriptsInteropTests {
    /// Create with a form, disco#items, configure, subscribe, publish (the event with its
    /// payload), fetch all and by id, retract, purge, a whitelist node refusing a stranger
    /// with not-allowed + closed-node and letting a member in, delete.
    @Test func slixmppRunsANodeThroughItsLifeWithXEP0060sErrors() throws {
        let result = try run(
            "pubsub_slixmpp.py", ["--tls", "none", "--mechanism", "PLAIN", "--strict-errors"])
        #expect(result.ok, "\(result)")
        // Every check of the scenario ran (requires included), none skipped by an early stop.
        #expect(result.checks.count == 60, "\(result.checks.keys.sorted())")
    }

    /// createNode with options, a full-JID subscription, the seed's items in order with
    /// their attributes, items read back, unsubscribe, deleteNode.
    @Test func txXMPPsPubSubClientWorksAsTheSeedUsesIt() throws {
        let result = try run("pubsub_txxmpp.py", [])
        #expect(result.ok, "\(result)")
        #expect(result.checks.count == 12, "\(result.checks.keys.sorted())")
    }

    /// Runs `script` against a fresh `parleyd` with alice, bob and carol (the scripts'
    /// default passwords).
    func run(_ script: String, _ extra: [String]) throws -> PythonPeer.Outcome {
        let dir = try TemporaryDirectory()
        let process = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepass,bob:bobpass,carol:carolpass",
            plugins: """
                - plugin: xmpp-c2s
                  port: 0
                  require-tls: false
                  allow-plain-without-tls: true
                - plugin: pubsub
                  http-port: 0
                """)
        defer { process.stop() }
        return try PythonPeer.run(
            "xmpp", script,
            ["--host", "127.0.0.1", "--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
             "--timeout", "40"] + extra)
    }
}
