import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// The chat service's room limits, as IRC clients meet them.
@Suite struct ChannelLimitTests {
    @Test func joinPastTheServiceRoomLimitIs405() async throws {
        try await withChannelServer(chat: { $0.maxRooms = 1 }) { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#one")
            alice.send("JOIN #two")
            #expect(try await alice.expectNumeric("405").parameters[1] == "#two")
            // The existing channel still takes newcomers.
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#one")
        }
    }

    @Test func isupportAnnouncesTheLimits() async throws {
        try await withChannelServer(chat: { $0.maxRoomsPerSession = 7 }) { server in
            let alice = try await server.registered("alice")
            var support = ISupport()
            for line in alice.received where line.command == IRCNumeric.isupport { support.apply(line) }
            #expect(support["CHANLIMIT"] == .some("#:7"))
            #expect(support["MAXLIST"] == .some("b:\(RoomBan.maximumPerRoom)"))
        }
    }

    @Test func joinPastTheSessionRoomLimitIs405() async throws {
        try await withChannelServer(chat: { $0.maxRoomsPerSession = 1 }) { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#one")
            alice.send("JOIN #two")
            #expect(try await alice.expectNumeric("405").parameters[1] == "#two")
        }
    }

    @Test func theServiceOccupantCapIs471() async throws {
        try await withChannelServer(chat: { $0.maxOccupantsPerRoom = 1 }) { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#one")
            let bob = try await server.registered("bob")
            bob.send("JOIN #one")
            #expect(try await bob.expectNumeric("471").parameters[1] == "#one")
        }
    }

    @Test func persistentPastTheLimitIs405() async throws {
        try await withChannelServer(chat: { $0.maxPersistentRooms = 0 }) { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#one")
            alice.send("MODE #one +P")
            #expect(try await alice.expectNumeric("405").parameters[1] == "#one")
        }
    }
}
