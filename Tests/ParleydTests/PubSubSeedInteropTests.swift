import Foundation
import Testing

/// The seed's publish-subscribe scenario (seeds/pubsub-wokkel.txt) on tx-xmpp, both ways,
/// through the real `parleyd` with xmpp-c2s and pubsub (Tests/Interop/xmpp/pubsub_seed.py):
/// a client account hosting the seed's own service, every request and notification between
/// full JIDs over c2s; and the same two clients against `pubsub.localhost`.
@Suite(.serialized) struct PubSubSeedInteropTests {
    @Test func theSeedsClientHostedServiceAndTheSameClientsAgainstPubsubLocalhost() throws {
        let dir = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: dir.path + "/storage")
        }
        let daemon = try ParleydProcess(in: dir, auth: "file", plugins: "- plugin: xmpp-c2s\n  port: 0\n- plugin: pubsub\n  http-port: 0\n")
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        let hosted = try PythonPeer.run("xmpp", "pubsub_seed.py", ["--port", "\(port)", "--hosted"])
        #expect(hosted.ok, "\(hosted)")
        #expect(hosted.checks.count == 10, "\(hosted.checks.keys.sorted())")
        let service = try PythonPeer.run("xmpp", "pubsub_seed.py", ["--port", "\(port)", "--service", "pubsub.localhost"])
        #expect(service.ok, "\(service)")
        #expect(service.checks.count == 12, "\(service.checks.keys.sorted())")
    }
}
