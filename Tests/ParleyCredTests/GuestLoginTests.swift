import Foundation
import ParleyCore
import ParleyCred
import Testing

/// An anonymous login through the portal is a guest in the chat model.
@Suite struct GuestLoginTests {
    /// Takes every event and drops it.
    final class QuietMind: SessionMind {
        let protocolFamily = ProtocolFamily("test")
        func deliver(_ event: ChatEvent) throws {}
    }

    @Test func anAnonymousLoginOpensGuestSessions() async throws {
        let service = ChatService(
            configuration: ChatServiceConfiguration(domain: "example.com"), contacts: InMemoryContactListStore())
        let memory = try InMemoryChecker(accounts: [("alice", "pw")], iterations: 4096)
        let portal = Portal(realm: ChatRealm(service: service), checkers: [memory, AnonymousChecker()])

        let guest = try await portal.login(AnonymousCredentials())
        #expect(guest.anonymous)
        #expect(guest.avatar.isGuest)
        let guestSession = try await guest.avatar.openSession(resource: nil, mind: QuietMind())
        #expect(guestSession.isGuest)
        let entered = try await guestSession.join(RoomID("dev")!, as: Nickname("visitor")!)
        #expect(entered.you.isGuest)

        let member = try await portal.login(UsernamePassword(username: "alice", password: "pw"))
        #expect(!member.anonymous)
        let memberSession = try await member.avatar.openSession(resource: nil, mind: QuietMind())
        #expect(!memberSession.isGuest)
        let joined = try await memberSession.join(RoomID("dev")!, as: Nickname("alice")!)
        #expect(!joined.you.isGuest)
        #expect(joined.occupants.first { $0.nick == Nickname("visitor")! }?.isGuest == true)

        await guest.logout()
        await member.logout()
    }
}
