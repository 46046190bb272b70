import Foundation
import IRCTestSupport
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// MODE on channels and users, INVITE and bans, with real clients.
@Suite struct ChannelModeTests {
    @Test func modeQueryAndUserModes() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            alice.send("MODE #dev")
            let modes = try await alice.expectNumeric("324")
            #expect(modes.parameters[1] == "#dev")
            #expect(modes.parameters[2].contains("t"))
            #expect(modes.parameters[2].contains("n"))
            alice.send("MODE #dev +Z")
            #expect(try await alice.expectNumeric("472").parameters[1] == "Z")
            alice.send("MODE #dev +b")
            try await alice.expectNumeric("368")
            let bob = try await server.registered("bob")
            alice.send("MODE bob +i")
            try await alice.expectNumeric("502")
            alice.send("MODE alice")
            #expect(try await alice.expectNumeric("221").parameters[1] == "+i")
            bob.send("MODE #dev +m")
            #expect(try await bob.expectNumeric("442").parameters[1] == "#dev")
            try await bob.joinChannel("#dev")
            bob.send("MODE #dev +m")
            #expect(try await bob.expectNumeric("482").parameters[1] == "#dev")
            alice.send("MODE #dev +o nobody")
            #expect(try await alice.expectNumeric("441").parameters[1] == "nobody")
        }
    }

    @Test func opVoiceAndModerated() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#dev")

            alice.send("MODE #dev +o bob")
            let op = try await carol.waitFor("MODE")
            #expect(op.parameters == ["#dev", "+o", "bob"])
            // The MODE line comes from who set it, not from the server.
            #expect(op.source == "alice!alice@example.test")

            // An op (admin) may change channel modes too.
            bob.send("MODE #dev +m")
            let moderated = try await carol.waitFor("MODE")
            #expect(moderated.parameters == ["#dev", "+m"])
            #expect(moderated.source == "bob!bob@example.test")
            // +m: carol has no voice and cannot speak; bob (op) can.
            carol.send("PRIVMSG #dev :can anyone hear me")
            #expect(try await carol.expectNumeric("404").parameters[1] == "#dev")
            bob.send("PRIVMSG #dev :ops can talk")
            try await alice.waitFor("PRIVMSG", where: { $0.parameters.last == "ops can talk" })

            alice.send("MODE #dev +v carol")
            let voice = try await carol.waitFor("MODE", where: { $0.parameters.contains("carol") })
            #expect(voice.parameters == ["#dev", "+v", "carol"])
            carol.send("PRIVMSG #dev :now I can")
            try await alice.waitFor("PRIVMSG", where: { $0.parameters.last == "now I can" })
        }
    }

    @Test func keyLimitAndInviteOnly() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            alice.send("MODE #dev +kl sesame 2")
            let set = try await alice.waitFor("MODE")
            #expect(set.parameters == ["#dev", "+kl", "sesame", "2"])

            let bob = try await server.registered("bob")
            bob.send("JOIN #dev wrong")
            #expect(try await bob.expectNumeric("475").parameters[1] == "#dev")
            try await bob.joinChannel("#dev", key: "sesame")
            let carol = try await server.registered("carol")
            carol.send("JOIN #dev sesame")
            #expect(try await carol.expectNumeric("471").parameters[1] == "#dev")

            alice.send("MODE #dev -kl+i")
            try await alice.waitFor("MODE", where: { $0.parameters.count >= 2 && $0.parameters[1].contains("i") })
            carol.send("JOIN #dev")
            #expect(try await carol.expectNumeric("473").parameters[1] == "#dev")

            alice.send("INVITE bob #dev")
            #expect(try await alice.expectNumeric("443").parameters[1] == "bob")
            alice.send("INVITE nobody #dev")
            #expect(try await alice.expectNumeric("401").parameters[1] == "nobody")
            alice.send("INVITE carol #dev")
            let inviting = try await alice.expectNumeric("341")
            #expect(inviting.parameters == ["alice", "carol", "#dev"])
            let invite = try await carol.waitFor("INVITE")
            #expect(invite.parameters == ["carol", "#dev"])
            #expect(invite.source?.hasPrefix("alice") == true)
            try await carol.joinChannel("#dev")
        }
    }

    @Test func inviteNotifyReachesOperatorsWhoAskedForIt() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: ["invite-notify"])
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol", caps: ["invite-notify"])
            try await carol.joinChannel("#dev")
            alice.send("MODE #dev +o bob")
            try await bob.waitFor("MODE", where: { $0.parameters == ["#dev", "+o", "bob"] })
            let dave = try await server.registered("dave")
            alice.send("INVITE dave #dev")
            try await dave.waitFor("INVITE")
            let notify = try await bob.waitFor("INVITE")
            #expect(notify.parameters == ["dave", "#dev"])
            #expect(notify.source?.hasPrefix("alice!") == true)
            // carol is no operator: no invite-notify.
            #expect(await carol.receives("INVITE") == false)
        }
    }

    @Test func banMaskKeepsOutAndRemovesMatchingMembers() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")

            alice.send("MODE #dev +b bob!*@*")
            let ban = try await bob.waitFor("MODE")
            #expect(ban.parameters == ["#dev", "+b", "bob!*@*"])
            let kick = try await bob.waitFor("KICK")
            #expect(kick.parameters.prefix(2) == ["#dev", "bob"])
            try await alice.waitFor("KICK", where: { $0.parameters[1] == "bob" })

            bob.send("JOIN #dev")
            #expect(try await bob.expectNumeric("474").parameters[1] == "#dev")

            alice.send("MODE #dev +b *!carol@*")
            try await alice.waitFor("MODE", where: { $0.parameters.last == "*!carol@*" })
            carol.send("JOIN #dev")
            #expect(try await carol.expectNumeric("474").parameters[1] == "#dev")

            alice.send("MODE #dev +b")
            let list = try await alice.expectNumeric("367")
            #expect(list.parameters[2] == "bob!*@*")
            #expect(list.parameters[3].hasPrefix("alice"))
            try await alice.expectNumeric("367")
            try await alice.expectNumeric("368")

            // -b lifts the mask and the outcast affiliation it caused.
            alice.send("MODE #dev -b bob!*@*")
            try await alice.waitFor("MODE", where: { $0.parameters == ["#dev", "-b", "bob!*@*"] })
            try await bob.joinChannel("#dev")
        }
    }
}
