import ParleyCore
import Testing

/// The route of every domain served neither here nor by a component (federation):
/// what goes there, what may come back through it, and remote users' sessions.
@Suite("Remote domains: the federation route")
struct RemoteDomainRoutingTests {
    let remoteUser = UserID(Username("bob")!, domain: "remote.example.net")

    @Test func everyOtherDomainGoesToTheRemoteRouteAndComponentsKeepTheirs() async throws {
        let service = makeService()
        let remote = RecordingComponent(), echo = RecordingComponent()
        let remoteLink = try service.attachRemoteDomains(handler: remote)
        _ = try service.attachComponent(domain: "echo.example.com", handler: echo)
        #expect(service.routesRemoteDomains)
        #expect(throws: ComponentAttachError.domainTaken("*")) { try service.attachRemoteDomains(handler: RecordingComponent()) }
        let aliceMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "phone", mind: aliceMind)
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(remoteUser), body: "hi"))
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(UserID(localpart: "", domain: "echo.example.com")), body: "e"))
        #expect(remote.events.count == 1)
        #expect(remote.events.first?.1 == .user(remoteUser))
        #expect(echo.events.count == 1)

        // What comes back may be from a remote domain, never from ours or a component's.
        try await remoteLink.send(Message(kind: .chat, from: .user(remoteUser), to: .session(alice.id), body: "back"))
        #expect(aliceMind.messages.map(\.body) == ["back"])
        await #expect(throws: DeliveryError.invalidSender("mallory@example.com")) {
            try await remoteLink.send(Message(kind: .chat, from: .user(user("mallory")), to: .session(alice.id), body: "x"))
        }
        await #expect(throws: DeliveryError.self) {
            try await remoteLink.send(
                Message(kind: .chat, from: .user(UserID(localpart: "", domain: "echo.example.com")), to: .session(alice.id), body: "x"))
        }
        #expect(aliceMind.messages.count == 1)
        remoteLink.detach()
        #expect(!service.routesRemoteDomains)
        await #expect(throws: DeliveryError.notRoutable("remote.example.net")) {
            try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(remoteUser), body: "x"))
        }
        await alice.close()
    }

    @Test func remoteSessionsOnlyForRoutedRemoteDomains() async throws {
        let service = makeService()
        await #expect(throws: SessionError.wrongDomain) {
            _ = try await service.openSession(for: remoteUser, resource: "r", remote: true, mind: RecordingMind())
        }
        let link = try service.attachRemoteDomains(handler: RecordingComponent())
        let session = try await service.openSession(for: remoteUser, resource: "r", remote: true, mind: RecordingMind())
        #expect(session.id.user == remoteUser)
        // Not a local user through the remote door, and not a remote user through the local one.
        await #expect(throws: SessionError.wrongDomain) {
            _ = try await service.openSession(for: user("alice"), resource: "r", remote: true, mind: RecordingMind())
        }
        await #expect(throws: SessionError.wrongDomain) {
            _ = try await service.openSession(for: remoteUser, resource: "r2", mind: RecordingMind())
        }
        await session.close()
        link.detach()
    }
}
