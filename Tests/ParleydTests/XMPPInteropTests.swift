import Foundation
import Testing

/// Real, independent XMPP clients (slixmpp; go-sendxmpp) against the real `parleyd
/// xmpp-c2s` on loopback, each scenario from Tests/Interop/xmpp. The same scripts pass
/// against Prosody (see Tests/Interop/xmpp/README.md).
@Suite(.serialized) struct XMPPInteropTests {
    /// A `parleyd xmpp-c2s` on a free port with alice and bob in a temporary store; it can
    /// be restarted on the same storage.
    final class Server {
        let storage: TemporaryDirectory
        let extra: [String]
        private(set) var daemon: ParleydProcess
        private(set) var port: UInt16

        init(_ extra: [String] = []) throws {
            storage = try TemporaryDirectory()
            self.extra = extra
            for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
                try ParleydProcess.addUser(user, password: password, storage: storage.path)
            }
            (daemon, port) = try Self.launch(storage: storage.path, extra: extra)
        }

        static func launch(storage: String, extra: [String]) throws -> (ParleydProcess, UInt16) {
            let daemon = try ParleydProcess(
                ["--domain", "localhost", "--storage", storage, "xmpp-c2s", "--port", "0", "--auth-failure-delay", "0.2"]
                    + extra)
            return (daemon, try daemon.listeningPort(of: "xmpp-c2s"))
        }

        /// Stops the daemon gracefully and starts a new one on the same storage.
        func restart() throws {
            daemon.signal(SIGTERM)
            guard daemon.waitForExit() == 0 else { throw TestFailure("parleyd did not stop cleanly:\n\(daemon.log)") }
            (daemon, port) = try Self.launch(storage: storage.path, extra: extra)
        }

        func scenario(_ script: String, _ arguments: [String] = [], tls: String = "starttls") throws -> PythonPeer.Outcome {
            try PythonPeer.run(
                "xmpp", script, ["--host", "127.0.0.1", "--port", "\(port)", "--domain", "localhost", "--tls", tls] + arguments)
        }

        deinit { daemon.stop() }
    }

    @Test func loginWithSCRAMSHA256OverSTARTTLSAndWithPLAIN() throws {
        let server = try Server()
        let scram = try server.scenario("login.py", ["--mechanism", "SCRAM-SHA-256"])
        #expect(scram.ok, "\(scram)")
        #expect(scram.checks["mechanism_used"] == true)
        #expect(scram.checks["encryption_as_requested"] == true)
        #expect(scram.checks["bad_password_not_authorized"] == true)
        let plain = try server.scenario("login.py", ["--mechanism", "PLAIN"])
        #expect(plain.ok, "\(plain)")
    }

    @Test func cleartextLoginOnlyWhenConfigured() throws {
        let strict = try Server()
        let refused = try strict.scenario("login.py", ["--mechanism", "PLAIN", "--timeout", "6"], tls: "none")
        #expect(!refused.ok, "a cleartext login must not succeed by default")
        let relaxed = try Server(["--no-require-tls", "--allow-plain-without-tls"])
        for mechanism in ["SCRAM-SHA-256", "PLAIN"] {
            let outcome = try relaxed.scenario("login.py", ["--mechanism", mechanism], tls: "none")
            #expect(outcome.ok, "\(mechanism): \(outcome)")
        }
    }

    @Test func rosterAddIsPushedToTheSecondResource() throws {
        let outcome = try Server().scenario("roster_push.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["add_push_r2"] == true)
        #expect(outcome.checks["remove_push_r2"] == true)
    }

    @Test func theSubscriptionHandshakeSurvivesARestart() throws {
        let server = try Server()
        let handshake = try server.scenario("subscription.py", ["--phase", "handshake"])
        #expect(handshake.ok, "\(handshake)")
        try server.restart()
        let verify = try server.scenario("subscription.py", ["--phase", "verify"])
        #expect(verify.ok, "\(verify)")
    }

    @Test func presenceBroadcastAndUnavailableOnADroppedConnection() throws {
        let server = try Server()
        for abrupt in ["fin", "rst"] {
            let outcome = try server.scenario("presence.py", ["--abrupt", abrupt])
            #expect(outcome.ok, "\(abrupt): \(outcome)")
        }
    }

    @Test func chatBothWaysWithAnUnknownExtensionPreserved() throws {
        let outcome = try Server().scenario("chat.py")
        #expect(outcome.ok, "\(outcome)")
    }

    @Test func bareJIDMessagesFollowPriority() throws {
        let outcome = try Server().scenario("priority.py")
        #expect(outcome.ok, "\(outcome)")
    }

    @Test func anOfflineMessageArrivesAfterReconnectAndRestart() throws {
        let server = try Server()
        let nonce = UUID().uuidString
        let send = try server.scenario("offline.py", ["--phase", "send", "--nonce", nonce])
        #expect(send.ok, "\(send)")
        try server.restart()
        let receive = try server.scenario("offline.py", ["--phase", "receive", "--nonce", nonce])
        #expect(receive.ok, "\(receive)")
    }

    @Test func inBandRegistrationThenLogin() throws {
        let outcome = try Server().scenario("register.py")
        #expect(outcome.ok, "\(outcome)")
    }

    @Test func pingDiscoAndVersion() throws {
        let outcome = try Server().scenario("ping_disco.py")
        #expect(outcome.ok, "\(outcome)")
    }

    /// XEP-0280: two resources of one account see each other's conversations, not private ones.
    @Test func carbonsCopyTheConversationToTheOtherResource() throws {
        let outcome = try Server().scenario("carbons.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["sent_carbon_to_r2"] == true)
        #expect(outcome.checks["received_carbon"] == true)
        #expect(outcome.checks["private_not_copied"] == true)
    }

    /// XEP-0313 on the account: stanza-ids on delivery, paging both ways, filters, refusals,
    /// preferences, and the archive read again after a restart.
    @Test func theAccountArchivePagesBothWaysAndSurvivesARestart() throws {
        let server = try Server()
        let outcome = try server.scenario("mam.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["page_backward"] == true)
        #expect(outcome.checks["offline_messages_archived"] == true)
        #expect(outcome.checks["unknown_field_rejected"] == true)
        try server.restart()
        let again = try server.scenario("mam.py")
        #expect(again.ok, "after a restart: \(again)")
    }

    /// XEP-0191: a blocked contact's messages bounce, presence stops both ways, pushes reach
    /// the second resource, and unblocking restores it all.
    @Test func aBlockedContactIsCutOffUntilUnblocked() throws {
        let outcome = try Server().scenario("blocking.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["bob_message_bounced"] == true)
        #expect(outcome.checks["alice_send_refused"] == true)
        #expect(outcome.checks["bob_sees_alice_available_again"] == true)
    }

    /// XEP-0198: acks, a dropped connection resumed with nothing lost and no presence
    /// flap, a wrong id, an `h` above what was sent, and an expired session whose
    /// messages wait offline.
    @Test func streamManagementResumesADroppedConnection() throws {
        let outcome = try Server(["--resume-timeout", "4"]).scenario("smacks.py", ["--resume-timeout", "4"])
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["unacked_resent"] == true)
        #expect(outcome.checks["presence_kept"] == true)
        #expect(outcome.checks["h_too_large"] == true)
        #expect(outcome.checks["expired_resume_gets_offline"] == true)
    }

    /// XEP-0352: an inactive client gets presence and chat states only with the next
    /// message that matters, in order, or when it says it is active again.
    @Test func anInactiveClientIsWokenOnlyByWhatMatters() throws {
        let outcome = try Server().scenario("csi.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["inactive_holds_presence"] == true)
        #expect(outcome.checks["message_releases_in_order"] == true)
    }

    /// XEP-0054: a vCard stored, read back by its owner and by a contact; a 300 KiB one
    /// refused (the stream's text limit ends that stream) with the stored one kept; a vCard4
    /// over PEP (XEP-0292) read by a contact; XEP-0398: the photo becomes the avatar, the
    /// avatar the photo, and presence carries its hash.
    @Test func aVCardIsStoredAndSeenByAContact() throws {
        let outcome = try Server().scenario("vcard.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["contact_sees_vcard"] == true)
        #expect(outcome.checks["vcard_too_large_not_stored"] == true)
        #expect(outcome.checks["avatar_pep_to_vcard"] == true)
        #expect(outcome.checks["presence_photo_hash"] == true)
    }

    /// XEP-0049 private storage per namespace, refused for another account; XEP-0402
    /// bookmarks with notifications; XEP-0411: legacy bookmarks are the PEP node both ways.
    @Test func privateStorageAndBookmarksConvertBothWays() throws {
        let outcome = try Server().scenario("private_bookmarks.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["conversion_0411_pep_to_private"] == true)
        #expect(outcome.checks["conversion_0411_private_notifies"] == true)
    }

    /// XEP-0368: a login on the direct TLS port, TLS from the first byte (no STARTTLS
    /// offered there), SCRAM and PLAIN.
    @Test func directTLSOnItsOwnPort() throws {
        let server = try Server(["--direct-tls-port", "0"])
        let port = try server.daemon.listeningPort(of: "xmpp-c2s", label: "direct-tls-port")
        for mechanism in ["SCRAM-SHA-256", "PLAIN"] {
            let outcome = try PythonPeer.run(
                "xmpp", "login.py",
                ["--host", "127.0.0.1", "--port", "\(port)", "--domain", "localhost", "--tls", "direct", "--mechanism", mechanism])
            #expect(outcome.ok, "\(mechanism): \(outcome)")
            #expect(outcome.checks["encryption_as_requested"] == true)
        }
    }

    /// XEP-0215: the configured STUN and TURN services, the TURN one with credentials made
    /// from the shared secret (checked against an HMAC computed by the script).
    @Test func externalServicesWithTURNCredentials() throws {
        let server = try Server([
            "--external-services", "turn:turn.example.org:3478:udp,stun:stun.example.org:3478", "--turn-secret", "s3cret",
        ])
        let outcome = try server.scenario("external_services.py", ["--turn-secret", "s3cret"])
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["turn_credentials"] == true)
    }

    /// XEP-0357: an app server registered with publish-options hears of a message kept
    /// offline (sender and count, never the body), and nothing after the account disables it.
    @Test func pushNotificationsReachTheAppServer() throws {
        let outcome = try Server().scenario("push.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["notified_when_offline"] == true)
        #expect(outcome.checks["disable_stops"] == true)
    }

    /// XEP-0363: a slot, the PUT and the GET with a plain HTTP client; a file too large, a
    /// path in the name, a wrong length, a second PUT and a full quota refused.
    @Test func httpUploadSlotPutAndGet() throws {
        let server = try Server(["--http-port", "0", "--upload-max-file-size", "65536", "--upload-quota", "8192"])
        let outcome = try server.scenario("upload.py")
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["get_same_bytes"] == true)
        #expect(outcome.checks["path_in_name_refused"] == true)
        #expect(outcome.checks["quota_refused"] == true)
    }

    /// A second, independent client implementation: go-sendxmpp (Go) sends to slixmpp.
    @Test func goSendxmppDeliversToSlixmpp() throws {
        let outcome = try Server().scenario("sendxmpp.py")
        #expect(outcome.ok, "\(outcome)")
    }
}
