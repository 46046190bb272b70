import Foundation
import IRCTestSupport
import ParleyCred
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// Issue 18: the server answers as ircds and the documents (modern.ircdocs.horse, RFC
/// 2812, IRCv3) say. The same behaviour is checked end to end against the real binary by
/// Tests/Interop/irc/conformance.py (IRCConformanceInteropTests).
@Suite struct ConformanceTests {
    /// An operators file with `root`/`rootpass` from anywhere on loopback, vhost staff.example.test.
    static func opersFile() throws -> String {
        let record = try SCRAMRecord.derive(password: "rootpass", iterations: 4096, algorithm: .sha256)
        let path = NSTemporaryDirectory() + "opers-\(UUID().uuidString)"
        try "root \(record.text) mask=*@127.0.0.1 vhost=staff.example.test\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// modern.ircdocs.horse WHO: H/G, `*` for an operator, prefixes; invisible users hidden
    /// from who shares no channel with them; WHOX with the token and account.
    @Test func whoHidesInvisibleStrangersAndAnswersWhox() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#c")
            let bob = try await server.registered("bob")
            let carol = try await server.registered("carol")
            carol.send("MODE carol -i")
            try await carol.waitFor("MODE") { $0.parameters == ["carol", "-i"] }
            bob.send("WHO *")
            let listed = try await collect(bob, until: "315").filter { $0.command == "352" }.map { $0.parameters[5] }
            #expect(Set(listed) == ["bob", "carol"])  // alice is invisible and a stranger to bob
            bob.send("WHO #c")
            #expect(try await collect(bob, until: "315").allSatisfy { $0.command != "352" })
            alice.send("WHO #c %tcuhnfar,42")
            let whox = try await alice.waitFor("354")
            #expect(whox.parameters == ["alice", "42", "#c", "alice", "example.test", "alice", "H@", "alice", "Test Client"])
        }
    }

    /// RFC 2812 §3.6.3: a nick given up is remembered for WHOWAS.
    @Test func whowasRemembersAQuitAndANickChange() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let bob = try await server.registered("bob")
            bob.send("NICK bobby")
            try await bob.waitFor("NICK")
            bob.send("QUIT :bye")
            _ = try await bob.waitForClose()
            alice.send("WHOWAS bobby")
            let user = try await alice.expectNumeric("314")
            #expect(user.parameters == ["alice", "bobby", "bob", "example.test", "*", "Test Client"])
            try await alice.expectNumeric("369")
            alice.send("WHOWAS bob")
            #expect(try await alice.expectNumeric("314").parameters[1] == "bob")
            alice.send("WHOWAS never")
            try await alice.expectNumeric("406")
        }
    }

    /// RFC 2812 §3.1.4, §3.7.1, §4.7; IRCv3 chghost.
    @Test func operKillWallopsAndChghost() async throws {
        let opers = try Self.opersFile()
        defer { try? FileManager.default.removeItem(atPath: opers) }
        try await withChannelServer(configure: { $0.opersFile = opers }) { server in
            let alice = try await server.registered("alice", caps: ["chghost"])
            let bob = try await server.registered("bob")
            let carol = try await server.registered("carol")
            try await alice.joinChannel("#c")
            try await bob.joinChannel("#c")
            bob.send("KILL carol :nope")
            try await bob.expectNumeric("481")
            bob.send("OPER root wrong")
            try await bob.expectNumeric("464")
            bob.send("OPER nobody rootpass")
            try await bob.expectNumeric("491")
            bob.send("OPER root rootpass")
            try await bob.expectNumeric("381")
            try await bob.waitFor("MODE") { $0.parameters == ["bob", "+o"] }
            let chghost = try await alice.waitFor("CHGHOST")
            #expect(chghost.source == "bob!bob@example.test" && chghost.parameters == ["bob", "staff.example.test"])
            alice.send("WHOIS bob")
            #expect(try await alice.expectNumeric("311").parameters[3] == "staff.example.test")
            try await alice.expectNumeric("313")
            alice.send("LUSERS")
            #expect(try await alice.expectNumeric("252").parameters[1] == "1")
            carol.send("MODE carol +w")
            try await carol.waitFor("MODE")
            bob.send("WALLOPS :hear ye")
            #expect(try await carol.waitFor("WALLOPS").parameters == ["hear ye"])
            #expect(await !alice.receives("WALLOPS"))
            try await carol.joinChannel("#c")
            bob.send("KILL carol :spam")
            try await carol.waitFor("KILL")
            #expect(try await carol.waitForClose()?.contains("Killed (bob (spam))") == true)
            let quit = try await alice.waitFor("QUIT")
            #expect(quit.parameters == ["Killed (bob (spam))"])
        }
    }

    /// modern.ircdocs.horse INVITE: a non-member 442, +i needs an operator (482), an
    /// invitation lets its user past +i and a ban; 301 for an away invitee.
    @Test func inviteRules() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let bob = try await server.registered("bob")
            let carol = try await server.registered("carol")
            try await alice.joinChannel("#c")
            try await bob.joinChannel("#c")
            carol.send("INVITE bob #c")
            try await carol.expectNumeric("442")
            alice.send("INVITE carol #nowhere")
            try await alice.expectNumeric("403")
            alice.send("MODE #c +ib carol!*@*")
            try await alice.waitFor("MODE") { $0.parameters.contains("carol!*@*") }
            bob.send("INVITE carol #c")
            try await bob.expectNumeric("482")
            carol.send("AWAY :out")
            try await carol.expectNumeric("306")
            alice.send("INVITE carol #c")
            try await alice.expectNumeric("341")
            #expect(try await alice.expectNumeric("301").parameters[2] == "out")
            try await carol.waitFor("INVITE")
            try await carol.joinChannel("#c")
        }
    }

    /// 696 for a mode parameter that cannot be used; 324 parameters to members only.
    @Test func invalidModeParametersAndChannelModeIs() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let bob = try await server.registered("bob")
            try await alice.joinChannel("#c")
            alice.send("MODE #c +l 0")
            #expect(try await alice.expectNumeric("696").parameters.prefix(4) == ["alice", "#c", "l", "0"])
            alice.send("MODE #c +k a,b")
            #expect(try await alice.expectNumeric("696").parameters.prefix(4) == ["alice", "#c", "k", "a,b"])
            alice.send("MODE #c +lk 5 sesame")
            try await alice.waitFor("MODE") { $0.source != nil && $0.parameters.contains("sesame") }
            alice.send("MODE #c")
            #expect(try await alice.expectNumeric("324").parameters == ["alice", "#c", "+ntlk", "5", "sesame"])
            bob.send("MODE #c")
            #expect(try await bob.expectNumeric("324").parameters == ["bob", "#c", "+ntlk"])
        }
    }

    /// IRCv3 away-notify, extended-join and account-tag on another member's arrival and words.
    @Test func awayOnJoinExtendedJoinAndAccountTag() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["away-notify", "extended-join", "account-tag"])
            try await alice.joinChannel("#c")
            let bob = try await server.client()
            try await bob.register(nick: "bob", realname: "Bob B", sasl: ("bob", "bobpw"))
            bob.send("AWAY :brb")
            try await bob.expectNumeric("306")
            try await bob.joinChannel("#c")
            let join = try await alice.waitFor("JOIN")
            #expect(join.parameters == ["#c", "bob", "Bob B"])
            #expect(try await alice.waitFor("AWAY").parameters == ["brb"])
            bob.send("PRIVMSG #c :hello")
            let message = try await alice.waitFor("PRIVMSG")
            #expect(message.tags.contains(IRCTag("account", "bob")))
        }
    }

    /// IRCv3 labeled-response: one line labeled, several in a batch, none an ACK.
    @Test func labeledResponses() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["batch", "labeled-response"])
            alice.send("@label=a1 PING :x")
            let pong = try await alice.waitFor("PONG")
            #expect(pong.tags == [IRCTag("label", "a1")])
            alice.send("@label=j1 JOIN #c")
            let start = try await alice.waitFor("BATCH")
            #expect(start.tags == [IRCTag("label", "j1")] && start.parameters.last == "labeled-response")
            let reference = String(start.parameters[0].dropFirst())
            let inside = try await collect(alice, until: "BATCH")
            #expect(inside.dropLast().map(\.command) == ["JOIN", "353", "366"])
            #expect(inside.dropLast().allSatisfy { $0.tags.contains(IRCTag("batch", reference)) })
            #expect(inside.last?.parameters == ["-" + reference])
            alice.send("@label=m1 PRIVMSG #c :no echo")
            let ack = try await alice.waitFor("ACK")
            #expect(ack.tags == [IRCTag("label", "m1")])
        }
    }

    /// IRCv3 setname, and STATUSMSG `@#c` to the channel's operators only.
    @Test func setnameAndStatusMessages() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["setname"])
            let bob = try await server.registered("bob", caps: ["setname"])
            let carol = try await server.registered("carol")
            try await alice.joinChannel("#c")
            try await bob.joinChannel("#c")
            try await carol.joinChannel("#c")
            bob.send("SETNAME :New Bob")
            #expect(try await alice.waitFor("SETNAME").parameters == ["New Bob"])
            bob.send("SETNAME :" + String(repeating: "x", count: 200))
            #expect(try await bob.waitFor("FAIL").parameters.prefix(2) == ["SETNAME", "INVALID_REALNAME"])
            carol.send("PRIVMSG @#c :ops only")
            let toOps = try await alice.waitFor("PRIVMSG")
            #expect(toOps.parameters == ["@#c", "ops only"])
            #expect(await !bob.receives("PRIVMSG"))
        }
    }

    /// `+ov bob bob` gives both (each change computed from the room the previous one left);
    /// a member's invitation does not let a banned user in, an operator's does; a labeled
    /// QUIT still gets its ERROR; three failed OPERs close the connection.
    @Test func combinedModesInviteBypassLabeledQuitAndOperFailures() async throws {
        let opers = try Self.opersFile()
        defer { try? FileManager.default.removeItem(atPath: opers) }
        try await withChannelServer(configure: { $0.opersFile = opers }) { server in
            let alice = try await server.registered("alice", caps: ["multi-prefix"])
            let bob = try await server.registered("bob")
            let carol = try await server.registered("carol")
            let dave = try await server.registered("dave", caps: ["batch", "labeled-response"])
            try await alice.joinChannel("#c")
            try await bob.joinChannel("#c")
            alice.send("MODE #c +ov bob bob")
            try await alice.waitFor("MODE") { $0.parameters.contains("+o") || $0.parameters.contains("+ov") }
            _ = await alice.drain(seconds: 0.3)
            alice.send("NAMES #c")
            let names = try await alice.expectNumeric("353")
            #expect(names.parameters.last?.split(separator: " ").contains("@+bob") == true, "\(names)")

            alice.send("MODE #c +b carol!*@*")
            try await alice.waitFor("MODE") { $0.parameters.contains("carol!*@*") }
            alice.send("MODE #c -o bob")
            try await alice.waitFor("MODE") { $0.parameters.first == "#c" && $0.parameters.contains("-o") }
            bob.send("INVITE carol #c")
            try await bob.expectNumeric("341")
            carol.send("JOIN #c")
            try await carol.expectNumeric("474")
            alice.send("INVITE carol #c")
            try await alice.expectNumeric("341")
            try await carol.joinChannel("#c")

            dave.send("@label=q QUIT :bye")
            #expect(try await dave.waitForClose()?.contains("bye") == true)

            for _ in 0..<3 { bob.send("OPER root wrong") }
            #expect(try await bob.waitForClose(timeout: 10) == "Too many failed OPER attempts")
        }
    }

    /// A ban on the hostmask IRC shows for a guest (`~<USER username>`) keeps it out.
    @Test func aBanOnAGuestsShownUsernameHolds() async throws {
        try await withChannelServer(configure: { $0.allowGuests = true }) { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#c")
            alice.send("MODE #c +b *!~myname@*")
            try await alice.waitFor("MODE") { $0.parameters.contains("*!~myname@*") }
            let guest = try await server.client()
            let welcome = try await guest.register(nick: "visitor", user: "myname")
            #expect(welcome.parameters.last?.hasSuffix("visitor!~myname@example.test") == true)
            guest.send("JOIN #c")
            try await guest.expectNumeric("474")
            let other = try await server.client()
            try await other.register(nick: "other", user: "someone")
            try await other.joinChannel("#c")
        }
    }

    /// Lines until (and with) the first `command`.
    private func collect(_ client: IRCTestClient, until command: String) async throws -> [IRCMessage] {
        let start = client.received.count
        try await client.waitFor(command)
        return Array(client.received[start...])
    }
}
