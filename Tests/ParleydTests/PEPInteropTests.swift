import Foundation
import Testing

/// Personal eventing (XEP-0163) on every account of the real `parleyd` (xmpp-c2s alone,
/// the flat-file store, STARTTLS), with slixmpp's own XEP-0084 avatar and XEP-0172
/// nickname plugins and XEP-0115 caps, and the bookmarks (XEP-0402) and OMEMO device lists
/// (XEP-0384) clients publish (Tests/Interop/xmpp/pep.py): events reach a contact that
/// asked with "+notify" and not a stranger; access models hold; items survive a `kill -9`.
@Suite(.serialized) struct PEPInteropTests {
    @Test func avatarsNicknamesBookmarksAndDeviceListsBetweenSlixmppClients() throws {
        let storage = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")] {
            try ParleydProcess.addUser(user, password: password, storage: storage.path)
        }
        let first = try launch(storage)
        let live = try PythonPeer.run("xmpp", "pep.py", try arguments(first) + ["--phase", "live"])
        #expect(live.ok, "\(live)")
        #expect(live.checks.count >= 20, "\(live.checks.keys.sorted())")
        // Every change is on disk before its answer: a kill -9 loses nothing.
        first.signal(SIGKILL)
        _ = first.waitForExit()
        let next = try launch(storage)
        defer { next.stop() }
        let verify = try PythonPeer.run("xmpp", "pep.py", try arguments(next) + ["--phase", "verify"])
        #expect(verify.ok, "\(verify)")
        #expect(verify.checks.count == 6, "\(verify.checks.keys.sorted())")
    }

    func launch(_ storage: TemporaryDirectory) throws -> ParleydProcess {
        try ParleydProcess(["--domain", "localhost", "--storage", storage.path, "xmpp-c2s", "--port", "0"])
    }

    func arguments(_ daemon: ParleydProcess) throws -> [String] {
        ["--host", "127.0.0.1", "--port", "\(try daemon.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
         "--tls", "starttls", "--timeout", "60"]
    }
}
