import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// Invitations between IRC clients and users of other protocols: XEP-0249 direct
/// invitations reach IRC clients as INVITE, and an IRC client invites a foreign occupant
/// by the name it sees.
@Suite struct DirectInvitationTests {
    @Test func aDirectInvitationIsAnInviteFromItsSenderFollowedByItsBody() async throws {
        try await withChannelServer { server in
            let bob = try await server.registered("bob")
            let mallory = try await server.chat.openSession(
                for: UserID(localpart: "mallory", domain: ServerHarness.domain), mind: QuietMind())
            let dev = RoomID("a&b")!
            let invitation = ExtensionPayload(meaning: .invitation(room: dev, reason: "come"))
            try await mallory.send(
                Message(
                    kind: .chat, from: .session(mallory.id), to: .user(UserID(localpart: "bob", domain: ServerHarness.domain)),
                    body: "mallory invites you to the room", payloads: [invitation]))
            let invite = try await bob.waitFor("INVITE")
            #expect(invite.parameters == ["bob", "#a&b"])
            #expect(invite.source == "mallory!mallory@\(ServerHarness.domain)")
            let body = try await bob.waitFor("PRIVMSG")
            #expect(body.parameters == ["bob", "mallory invites you to the room"])
            // Without a body, the INVITE alone.
            try await mallory.send(
                Message(
                    kind: .chat, from: .session(mallory.id), to: .user(UserID(localpart: "bob", domain: ServerHarness.domain)),
                    body: nil, payloads: [invitation]))
            #expect(try await bob.waitFor("INVITE").parameters == ["bob", "#a&b"])
            #expect(await bob.receives("PRIVMSG") == false)
            await mallory.close()
        }
    }

    @Test func anIRCClientInvitesAForeignOccupantByTheNameItSees() async throws {
        try await withChannelServer { server in
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            let mind = RecordingForeignMind()
            let anne = try await server.chat.openSession(
                for: UserID(localpart: "anne", domain: ServerHarness.domain), mind: mind)
            try await anne.join(RoomID("dev")!, as: Nickname("Anne Marie")!)
            try await bob.waitFor("JOIN", where: { $0.source?.hasPrefix("`Anne`20Marie!") == true })
            try await bob.joinChannel("#ops")
            // The model nick is not an IRC nick: only the foreign form bob sees names her.
            bob.send("INVITE Anne #ops")
            #expect(try await bob.waitFor(IRCNumeric.noSuchNick).parameters.dropFirst().first == "Anne")
            bob.send("INVITE `Anne`20Marie #ops")
            #expect(try await bob.waitFor(IRCNumeric.inviting).parameters.suffix(2) == ["`Anne`20Marie", "#ops"])
            let invited = await mind.first { event -> (RoomID, UserID)? in
                guard case .invitation(let room, let from, _) = event else { return nil }
                return (room, from)
            }
            #expect(invited?.0 == RoomID("ops")!)
            #expect(invited?.1 == UserID(localpart: "bob", domain: ServerHarness.domain))
            // Already in the channel: 443 with the name bob sees.
            bob.send("INVITE `Anne`20Marie #dev")
            #expect(try await bob.waitFor(IRCNumeric.userOnChannel).parameters.suffix(3).first == "`Anne`20Marie")
            await anne.close()
        }
    }
}
