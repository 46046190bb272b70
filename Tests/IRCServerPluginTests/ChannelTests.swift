import Foundation
import IRCTestSupport
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// JOIN, PART, TOPIC, NAMES, LIST, KICK and the channel errors, with real clients.
@Suite struct ChannelTests {
    @Test func joinBurstAndPeersSeeJoinAndPart() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let burst = try await alice.joinChannel("#dev")
            #expect(burst.first?.command == "JOIN")
            #expect(burst.first?.source == "alice!alice@example.test")
            let names = try #require(burst.first { $0.command == "353" })
            // RFC 1459 §1.3.1: the creator is a channel operator (`@`), never `~`.
            #expect(names.parameters == ["alice", "=", "#dev", "@alice"])

            let bob = try await server.registered("bob")
            let bobBurst = try await bob.joinChannel("#dev")
            #expect(bobBurst.first { $0.command == "353" }?.parameters[3] == "@alice bob")
            let join = try await alice.waitFor("JOIN")
            #expect(join.source == "bob!bob@example.test")
            #expect(join.parameters == ["#dev"])

            bob.send("PART #dev :see you")
            let part = try await alice.waitFor("PART")
            #expect(part.source == "bob!bob@example.test")
            #expect(part.parameters == ["#dev", "see you"])
            try await bob.waitFor("PART")
        }
    }

    @Test func joinListsKeysAndJoinZero() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            alice.send("JOIN #a,#b")
            try await alice.waitFor("366", where: { $0.parameters[1] == "#a" })
            try await alice.waitFor("366", where: { $0.parameters[1] == "#b" })
            alice.send("MODE #b +k sesame")
            try await alice.waitFor("MODE", where: { $0.parameters.starts(with: ["#b", "+k"]) })

            let bob = try await server.registered("bob")
            bob.send("JOIN #a,#b x,wrong")
            try await bob.waitFor("366", where: { $0.parameters[1] == "#a" })
            let refused = try await bob.expectNumeric("475")
            #expect(refused.parameters[1] == "#b")
            bob.send("JOIN #b sesame")
            try await bob.waitFor("366", where: { $0.parameters[1] == "#b" })

            bob.send("JOIN 0")
            try await bob.waitFor("PART", where: { $0.parameters.first == "#a" || $0.parameters.first == "#b" })
            try await bob.waitFor("PART")
            try await alice.waitFor("PART", where: { $0.source?.hasPrefix("bob!") == true })
        }
    }

    @Test func channelErrors() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            alice.send("JOIN dev")
            #expect(try await alice.expectNumeric("403").parameters[1] == "dev")
            alice.send("JOIN")
            #expect(try await alice.expectNumeric("461").parameters[1] == "JOIN")
            alice.send("PART #nowhere")
            #expect(try await alice.expectNumeric("403").parameters[1] == "#nowhere")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            bob.send("PART #dev")
            #expect(try await bob.expectNumeric("442").parameters[1] == "#dev")
            bob.send("TOPIC #dev :mine")
            #expect(try await bob.expectNumeric("442").parameters[1] == "#dev")
        }
    }

    @Test func topicQuerySetAndRestriction() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            alice.send("TOPIC #dev")
            try await alice.expectNumeric("331")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")

            alice.send("TOPIC #dev :Release on Friday")
            let seen = try await bob.waitFor("TOPIC")
            #expect(seen.source == "alice!alice@example.test")
            #expect(seen.parameters == ["#dev", "Release on Friday"])
            try await alice.waitFor("TOPIC")

            // +t is on by default: a plain member may not change the topic.
            bob.send("TOPIC #dev :nope")
            #expect(try await bob.expectNumeric("482").parameters[1] == "#dev")

            bob.send("TOPIC #dev")
            let topic = try await bob.expectNumeric("332")
            #expect(topic.parameters == ["bob", "#dev", "Release on Friday"])
            let whoTime = try await bob.expectNumeric("333")
            #expect(whoTime.parameters[2] == "alice")

            // A newcomer gets the topic in its JOIN burst.
            let carol = try await server.registered("carol")
            let burst = try await carol.joinChannel("#dev")
            #expect(burst.map(\.command).prefix(3) == ["JOIN", "332", "333"])
        }
    }

    @Test func namesWithMultiPrefixAndUserhostInNames() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: ["multi-prefix", "userhost-in-names"])
            try await bob.joinChannel("#dev")
            bob.send("NAMES #dev")
            let names = try await bob.expectNumeric("353")
            #expect(names.parameters[3] == "@alice!alice@example.test bob!bob@example.test")
            try await bob.expectNumeric("366")
        }
    }

    @Test func listHidesSecretChannels() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#open")
            try await alice.joinChannel("#hidden")
            alice.send("TOPIC #open :come in")
            try await alice.waitFor("TOPIC")
            alice.send("MODE #hidden +s")
            try await alice.waitFor("MODE", where: { $0.parameters == ["#hidden", "+s"] })

            let bob = try await server.registered("bob")
            bob.send("LIST")
            try await bob.expectNumeric("321")
            let rows = try await collect(bob, until: "323").filter { $0.command == "322" }
            #expect(rows.map { $0.parameters[1] } == ["#open"])
            #expect(rows.first?.parameters[2] == "1")
            #expect(rows.first?.parameters[3] == "come in")

            alice.send("LIST")
            let own = try await collect(alice, until: "323").filter { $0.command == "322" }
            #expect(Set(own.map { $0.parameters[1] }) == ["#open", "#hidden"])
        }
    }

    @Test func kickByOperatorAndErrors() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#dev")

            bob.send("KICK #dev carol :no")
            #expect(try await bob.expectNumeric("482").parameters[1] == "#dev")
            alice.send("KICK #dev nobody")
            let missing = try await alice.expectNumeric("441")
            #expect(missing.parameters[1] == "nobody")

            alice.send("KICK #dev bob,carol :Out")
            let kicked = try await bob.waitFor("KICK")
            #expect(kicked.parameters == ["#dev", "bob", "Out"])
            #expect(kicked.source?.hasPrefix("alice") == true)
            try await alice.waitFor("KICK", where: { $0.parameters[1] == "bob" })
            try await alice.waitFor("KICK", where: { $0.parameters[1] == "carol" })
            // Kicked, bob is no longer on the channel.
            bob.send("PRIVMSG #dev :hello?")
            #expect(try await bob.expectNumeric("404").parameters[1] == "#dev")
        }
    }

    /// Lines up to and including the first with `command`.
    func collect(_ client: IRCTestClient, until command: String) async throws -> [IRCMessage] {
        let start = client.received.count
        try await client.waitFor(command)
        return Array(client.received[start...])
    }
}
