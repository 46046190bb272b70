import Foundation
import Testing

/// Issue 18's contract (/work/notes/irc18-spec.md) checked end to end: one scenario of
/// Tests/Interop/irc/conformance.py per item, against a fresh `parleyd irc-server` each. The
/// script was first run against InspIRCd 3 with `--peer inspircd` (what it does differently
/// is skipped there, with the reason).
@Suite(.serialized) struct IRCConformanceInteropTests {
    /// `parleyd --domain localhost --storage S irc-server --port 0 --tls-port 0
    /// --allow-plain-without-tls --allow-guests --opers-file S/irc-opers` (the spec's
    /// "Wiring"), with the accounts alice, bob and carol and two opers: root (from
    /// 127.0.0.1, vhost staff.localhost) and faraway (only from 10.9.9.9).
    final class Server: @unchecked Sendable {
        let storage: TemporaryDirectory
        let daemon: ParleydProcess
        let port: UInt16

        init() throws {
            storage = try TemporaryDirectory()
            for (user, password) in [("alice", "alicepass"), ("bob", "bobpass"), ("carol", "carolpass")] {
                try ParleydProcess.addUser(user, password: password, storage: storage.path)
            }
            let (root, faraway) = (
                try ParleydProcess.hashPassword("rootpass"), try ParleydProcess.hashPassword("farpass")
            )
            let opers = """
                # name  scram-record  [mask=user@ip glob]  [vhost=host]
                root \(root) mask=*@127.0.0.1 vhost=staff.localhost
                faraway \(faraway) mask=*@10.9.9.9

                """
            try opers.write(toFile: storage.path + "/irc-opers", atomically: true, encoding: .utf8)
            daemon = try ParleydProcess([
                "--domain", "localhost", "--storage", storage.path, "irc-server", "--port", "0",
                "--tls-port", "0",
                "--allow-plain-without-tls", "--allow-guests", "--opers-file", storage.path + "/irc-opers",
            ])
            port = try daemon.listeningPort(of: "irc-server")
        }

        deinit { daemon.stop() }
    }

    /// Runs `scenario` of conformance.py, expects it to pass and every listed step to have
    /// passed. The daemon's start and the script wait off the cooperative pool, which the
    /// other end-to-end suites running at once need.
    private func expectScenario(_ scenario: String, steps: [String]) async throws {
        let server = try await offThePool { try Server() }
        let port = server.port
        let outcome = try await offThePool {
            try PythonPeer.run(
                "irc", "conformance.py",
                [
                    scenario, "--host", "127.0.0.1", "--port", "\(port)", "--timeout", "50",
                    "--oper-name", "root", "--oper-password", "rootpass",
                ],
                timeout: 65)
        }
        #expect(outcome.ok, "\(outcome)\nparleyd log:\n\(server.daemon.log.suffix(3000))")
        for step in steps {
            #expect(outcome.checks[step] == true, "\(scenario): step \(step) did not pass")
        }
    }

    /// 1. The channel's creator is `@` (NAMES with and without multi-prefix, WHO, WHOIS), +o, KICK.
    @Test func creatorIsChannelOperator() async throws {
        try await expectScenario(
            "creator-op",
            steps: [
                "names_creator_op", "names_multi_prefix", "who_op_flags", "whois_319_op", "mode_op_seen",
                "names_two_ops", "kick_by_opped",
            ])
    }

    /// 1. STATUSMSG `PRIVMSG @#c` reaches the channel's ops only.
    @Test func statusmsgReachesOpsOnly() async throws {
        try await expectScenario(
            "statusmsg",
            steps: [
                "isupport_statusmsg", "statusmsg_to_ops", "statusmsg_echo", "statusmsg_not_to_others",
            ])
    }

    /// 2. Guests are `~user`, cut to USERLEN=16; accounts keep their name.
    @Test func guestUsernameHasTilde() async throws {
        try await expectScenario(
            "guest-username",
            steps: [
                "guest_tilde", "welcome_mask", "whois_311", "who_user", "privmsg_prefix",
                "isupport_userlen",
                "username_cut", "account_no_tilde",
            ])
    }

    /// 3. WHO: +i by default, visibility, flags, channel members, masks, comma lists.
    @Test func whoListsVisibleUsersWithFlags() async throws {
        try await expectScenario(
            "who",
            steps: [
                "umode_default_i", "mode_minus_i", "who_star", "who_nick", "who_away_g", "who_315_mask",
                "who_channel_multi_prefix", "who_channel_member", "who_channel_outsider",
                "who_secret_channel",
                "who_mask", "who_mask_user", "who_mask_host", "who_comma_list",
            ])
    }

    /// 3. WHOX fields in their fixed order.
    @Test func whoxAnswersTheRequestedFields() async throws {
        try await expectScenario(
            "whox",
            steps: [
                "isupport_whox", "whox_fields", "whox_guest_account_0", "whox_all_fields",
                "whox_ip_oplevel",
            ])
    }

    /// 4. WHOWAS after QUIT and after NICK, with a count; 406 for a nick never seen.
    @Test func whowasRemembersQuitsAndNickChanges() async throws {
        try await expectScenario(
            "whowas",
            steps: [
                "whowas_314", "whowas_312", "whowas_369", "whowas_count", "whowas_after_nick", "whowas_406",
            ])
    }

    /// 5. OPER from the opers file, KILL and WALLOPS.
    @Test func operKillAndWallops() async throws {
        try await expectScenario(
            "oper",
            steps: [
                "oper_464", "oper_491_name", "oper_491_host", "oper_461", "kill_481", "wallops_481",
                "oper_381",
                "whois_313", "who_oper_star", "who_opers_only", "kill_401", "kill_error", "kill_closed",
                "kill_quit_seen", "wallops", "wallops_not_without_w",
            ])
    }

    /// 5/11. An oper's vhost reaches channel peers as CHGHOST.
    @Test func operVhostIsAnnouncedWithChghost() async throws {
        try await expectScenario("chghost", steps: ["chghost_seen", "chghost_whois"])
    }

    /// 6. LUSERS counts a known population; 451 before registration.
    @Test func lusersCountsUsersOpersUnknownsAndChannels() async throws {
        try await expectScenario(
            "lusers",
            steps: [
                "lusers_451", "lusers_251", "lusers_252", "lusers_253", "lusers_254", "lusers_255",
                "lusers_265_266",
            ])
    }

    /// 7. INVITE: errors, +i, bypassing +b/+k/+l, invite-notify to ops, 301.
    @Test func inviteRulesAndInviteNotify() async throws {
        try await expectScenario(
            "invite",
            steps: [
                "invite_403", "invite_442", "invite_443", "invite_401", "invite_by_member",
                "invite_received",
                "invite_only_482", "invite_only_by_op", "invite_notify", "invite_notify_not_to_members",
                "invite_bypass", "invite_away_301",
            ])
    }

    /// 8. 696 for bad +l/+k parameters; 324 hides parameters from non-members.
    @Test func invalidModeParametersGet696() async throws {
        try await expectScenario(
            "mode-params",
            steps: [
                "mode_696_limit_negative", "mode_696_limit", "mode_696_key_space", "mode_696_key_comma",
                "mode_unchanged", "mode_324_member", "mode_324_outsider",
            ])
    }

    /// 9. Over 8191 bytes of tags: 417, not delivered, connection kept.
    @Test func tooLongTagsGet417() async throws {
        try await expectScenario(
            "tags-too-long", steps: ["tags_417", "tags_not_delivered", "tags_still_open"])
    }

    /// 10. away-notify: an away user's JOIN is followed by its AWAY.
    @Test func awayNotifyAfterJoin() async throws {
        try await expectScenario("away-join", steps: ["away_after_join"])
    }

    /// 11. CAP LS 302 offers exactly the spec's list; labeled-response with batch and echo-message.
    @Test func capListAndLabeledResponse() async throws {
        try await expectScenario(
            "cap-labeled",
            steps: [
                "cap_ls", "cap_ack", "labeled_pong", "labeled_batch", "labeled_echo", "labeled_ack",
                "labeled_join",
            ])
    }

    /// 11. extended-join: `*` for a guest, the account for alice.
    @Test func extendedJoinCarriesAccountAndRealname() async throws {
        try await expectScenario("extended-join", steps: ["extended_join_guest", "extended_join_account"])
    }

    /// 11. SETNAME to self and peers, WHOIS shows it, over NAMELEN: FAIL.
    @Test func setnameChangesTheRealname() async throws {
        try await expectScenario(
            "setname", steps: ["setname_seen", "setname_whois", "isupport_namelen", "setname_too_long"])
    }

    /// 11. account-tag on alice's messages, none on a guest's.
    @Test func accountTagOnLoggedInUsersMessages() async throws {
        try await expectScenario("account-tag", steps: ["account_tag_guest_none", "account_tag_logged_in"])
    }

    /// 12. UTF8ONLY: invalid UTF-8 gets FAIL … INVALID_UTF8 and is not relayed.
    @Test func invalidUTF8IsRefused() async throws {
        try await expectScenario(
            "utf8-only",
            steps: [
                "utf8only", "utf8_privmsg", "utf8_notice", "utf8_topic", "utf8_part",
                "utf8_nothing_relayed",
                "utf8_user",
            ])
    }

    /// 13. PONG returns the token as sent, the empty one included.
    @Test func pingTokensAreReturnedAsSent() async throws {
        try await expectScenario("ping", steps: ["server_name", "ping_empty", "ping_token", "ping_spaces"])
    }
}
