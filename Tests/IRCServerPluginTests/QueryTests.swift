import Foundation
import IRCTestSupport
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// WHO, WHOIS, USERHOST and ISON.
@Suite struct QueryTests {
    @Test func whoisShowsChannelsAccountAndAway() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.client()
            try await bob.register(nick: "bob", realname: "Bob the Builder", sasl: ("bob", "bobpw"))
            try await bob.waitFor("376")
            try await bob.joinChannel("#dev")
            bob.send("AWAY :gone fishing")
            try await bob.expectNumeric("306")

            alice.send("WHOIS bob")
            let user = try await alice.expectNumeric("311")
            // RPL_WHOISUSER ends with the realname from USER.
            #expect(user.parameters == ["alice", "bob", "bob", "example.test", "*", "Bob the Builder"])
            let channels = try await alice.expectNumeric("319")
            #expect(channels.parameters[2] == "#dev")
            try await alice.expectNumeric("312")
            let away = try await alice.expectNumeric("301")
            #expect(away.parameters[2] == "gone fishing")
            let account = try await alice.expectNumeric("330")
            #expect(account.parameters[2] == "bob")
            try await alice.expectNumeric("318")

            bob.send("WHOIS alice")
            let owner = try await bob.expectNumeric("319")
            #expect(owner.parameters[2] == "@#dev")

            alice.send("WHOIS ghost")
            #expect(try await alice.expectNumeric("401").parameters[1] == "ghost")
            try await alice.expectNumeric("318")

            // RPL_WHOREPLY's last parameter is `<hopcount> <realname>`, by channel and by nick.
            alice.send("WHO #dev")
            let row = try await alice.waitFor("352", where: { $0.parameters[5] == "bob" })
            #expect(row.parameters.last == "0 Bob the Builder")
            try await alice.expectNumeric("315")
            alice.send("WHO bob")
            #expect(try await alice.expectNumeric("352").parameters.last == "0 Bob the Builder")
            try await alice.expectNumeric("315")
        }
    }

    @Test func whowasAnswersNoSuchNick() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            alice.send("WHOWAS ghost")
            let none = try await alice.expectNumeric("406")
            #expect(none.parameters[1] == "ghost")
            let end = try await alice.expectNumeric("369")
            #expect(end.parameters[1] == "ghost")
            #expect(!alice.received.contains { $0.command == "421" })
        }
    }

    @Test func whoisSecureOverTLS() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let bob = try await server.client(tls: true)
            try await bob.register(nick: "bob", sasl: ("bob", "bobpw"))
            try await bob.waitFor("376")
            alice.send("WHOIS bob")
            try await alice.expectNumeric("671")
            alice.send("WHOIS alice")
            let lines = try await collect(alice, until: "318")
            #expect(!lines.contains { $0.command == "671" })
        }
    }

    @Test func whoListsChannelMembersWithFlags() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob", caps: ["multi-prefix"])
            try await bob.joinChannel("#dev")
            alice.send("AWAY :brb")
            try await alice.expectNumeric("306")

            bob.send("WHO #dev")
            let first = try await bob.expectNumeric("352")
            let second = try await bob.expectNumeric("352")
            let end = try await bob.expectNumeric("315")
            #expect(end.parameters[1] == "#dev")
            #expect(first.parameters == ["bob", "#dev", "alice", "example.test", "example.test", "alice", "G@", "0 Test Client"])
            #expect(second.parameters[5] == "bob")
            #expect(second.parameters[6] == "H")

            bob.send("WHO alice")
            let single = try await bob.expectNumeric("352")
            #expect(single.parameters[1] == "*")
            #expect(single.parameters[6] == "G")
            try await bob.expectNumeric("315")
        }
    }

    @Test func userhostAndIson() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            let bob = try await server.registered("bob")
            bob.send("AWAY :away")
            try await bob.expectNumeric("306")
            alice.send("USERHOST alice bob nobody")
            let userhost = try await alice.expectNumeric("302")
            #expect(userhost.parameters[1] == "alice=+alice@example.test bob=-bob@example.test")
            alice.send("ISON Bob nobody alice")
            let ison = try await alice.expectNumeric("303")
            #expect(ison.parameters[1] == "bob alice")
        }
    }

    func collect(_ client: IRCTestClient, until command: String) async throws -> [IRCMessage] {
        let start = client.received.count
        try await client.waitFor(command)
        return Array(client.received[start...])
    }
}
