import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// PRIVMSG, NOTICE, TAGMSG and AWAY between real clients.
@Suite struct MessagingTests {
    static let tagCaps = ["message-tags", "server-time"]

    @Test func channelMessageKeepsClientTagsAndGetsMsgidAndTime() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: Self.tagCaps + ["echo-message"])
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: Self.tagCaps)
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#dev")

            alice.send("@+example.com/x=a\\sb;+draft/reply=m1 PRIVMSG #dev :hello all")
            let got = try await bob.waitFor("PRIVMSG")
            #expect(got.source == "alice!alice@example.test")
            #expect(got.parameters == ["#dev", "hello all"])
            #expect(got.tag("+example.com/x") == .some("a b"))
            #expect(got.tag("+draft/reply") == .some("m1"))
            let msgid = try #require(got.tag("msgid") ?? nil)
            #expect(!msgid.isEmpty)
            let time = try #require(got.tag("time") ?? nil)
            #expect(time.hasSuffix("Z") && time.contains("T"))

            // echo-message: the sender gets the same message, same msgid.
            let echo = try await alice.waitFor("PRIVMSG")
            #expect(echo.tag("msgid") == .some(msgid))
            #expect(echo.parameters == ["#dev", "hello all"])

            // Without message-tags or server-time: no tags at all.
            let plain = try await carol.waitFor("PRIVMSG")
            #expect(plain.tags.isEmpty)
            #expect(plain.parameters == ["#dev", "hello all"])

            // A second message gets another msgid.
            alice.send("PRIVMSG #dev :again")
            let second = try await bob.waitFor("PRIVMSG")
            #expect(second.tag("msgid") != .some(msgid))
        }
    }

    @Test func msgidIsTheRoomsIdKeptInHistory() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: Self.tagCaps)
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: Self.tagCaps)
            try await bob.joinChannel("#dev")
            alice.send("PRIVMSG #dev :remember me")
            let got = try await bob.waitFor("PRIVMSG")
            let msgid = try #require(got.tag("msgid") ?? nil)
            let room = try #require(server.chat.room(RoomID("dev")!))
            let history = await room.snapshot.history
            #expect(history.last?.body == "remember me")
            #expect(history.last?.id == msgid)
        }
    }

    @Test func noEchoWithoutCapabilityAndActionsRoundTrip() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            alice.send("PRIVMSG #dev :\u{1}ACTION waves\u{1}")
            let action = try await bob.waitFor("PRIVMSG")
            #expect(action.parameters[1] == "\u{1}ACTION waves\u{1}")
            #expect(await alice.receives("PRIVMSG") == false)
        }
    }

    @Test func typingTagmsgOnlyToMessageTagsClients() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["message-tags"])
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: ["message-tags"])
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#dev")
            alice.send("@+typing=active TAGMSG #dev")
            let typing = try await bob.waitFor("TAGMSG")
            #expect(typing.tag("+typing") == .some("active"))
            #expect(typing.parameters == ["#dev"])
            #expect(await carol.receives("TAGMSG") == false)
        }
    }

    @Test func noticeToChannelIsNotice() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            alice.send("NOTICE #dev :heads up")
            let notice = try await bob.waitFor("NOTICE", where: { $0.parameters.first == "#dev" })
            #expect(notice.parameters == ["#dev", "heads up"])
        }
    }

    @Test func privateMessagesAndErrors() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["echo-message"])
            let bob = try await server.registered("bob")
            alice.send("PRIVMSG bob :psst")
            let direct = try await bob.waitFor("PRIVMSG")
            #expect(direct.source == "alice!alice@example.test")
            #expect(direct.parameters == ["bob", "psst"])
            let echo = try await alice.waitFor("PRIVMSG")
            #expect(echo.parameters == ["bob", "psst"])

            alice.send("PRIVMSG nobody :hi")
            #expect(try await alice.expectNumeric("401").parameters[1] == "nobody")
            alice.send("PRIVMSG bob")
            try await alice.expectNumeric("412")
            alice.send("PRIVMSG bob :")
            try await alice.expectNumeric("412")
            alice.send("PRIVMSG")
            try await alice.expectNumeric("411")
            alice.send("PRIVMSG #nowhere :hi")
            #expect(try await alice.expectNumeric("403").parameters[1] == "#nowhere")
            // +n: no messages from outside the channel.
            try await bob.joinChannel("#dev")
            alice.send("PRIVMSG #dev :from outside")
            #expect(try await alice.expectNumeric("404").parameters[1] == "#dev")
            // RFC 2812 §3.3.2: NOTICE never gets an error back.
            let before = alice.received.count
            alice.send("NOTICE nobody :hi")
            alice.send("NOTICE #dev :from outside")
            alice.send("PING :done")
            let next = try await alice.waitFor("PONG", where: { _ in true })
            #expect(next.parameters.last == "done")
            #expect(alice.received[before...].map(\.command) == ["PONG"])

            // Several targets, each delivered.
            let carol = try await server.registered("carol")
            alice.send("PRIVMSG bob,carol :both")
            try await bob.waitFor("PRIVMSG", where: { $0.parameters.last == "both" })
            try await carol.waitFor("PRIVMSG", where: { $0.parameters.last == "both" })
        }
    }

    @Test func awayWithAwayNotifyAndAutoReply() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice", caps: ["away-notify"])
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#dev")

            bob.send("AWAY :at lunch")
            try await bob.expectNumeric("306")
            let away = try await alice.waitFor("AWAY")
            #expect(away.source == "bob!bob@example.test")
            #expect(away.parameters == ["at lunch"])
            #expect(await carol.receives("AWAY") == false)

            alice.send("PRIVMSG bob :are you there")
            let reply = try await alice.expectNumeric("301")
            #expect(reply.parameters == ["alice", "bob", "at lunch"])

            bob.send("AWAY")
            try await bob.expectNumeric("305")
            let back = try await alice.waitFor("AWAY")
            #expect(back.parameters.isEmpty)
        }
    }
}
