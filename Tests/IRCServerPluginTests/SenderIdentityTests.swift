import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// The source of a line is found from the room event's session, never from the nick alone.
@Suite struct SenderIdentityTests {
    @Test func anOccupantNamedLikeAnIRCUserIsNotShownWithItsHostmask() async throws {
        try await withChannelServer { server in
            // The IRC client alice is on the server, but not in #dev.
            _ = try await server.registered("alice")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            // Another protocol's user takes the nick alice in #dev.
            let mallory = try await server.chat.openSession(
                for: UserID(localpart: "mallory", domain: ServerHarness.domain), mind: QuietMind())
            let dev = RoomID("dev")!
            try await mallory.join(dev, as: Nickname("alice")!)
            // The IRC client holds the nick, so the foreign occupant shows in the foreign form.
            try await bob.waitFor("JOIN", where: { $0.source?.hasPrefix("`alice!") == true })
            try await mallory.send(Message(kind: .room, from: .session(mallory.id), to: .room(dev), body: "hi, it's alice"))
            let line = try await bob.waitFor("PRIVMSG")
            #expect(line.parameters == ["#dev", "hi, it's alice"])
            // Not the IRC client alice's `alice!alice@…`: the foreign form and the speaker's own user.
            #expect(line.source == "`alice!mallory@\(ServerHarness.domain)")
            await mallory.close()
        }
    }
}
