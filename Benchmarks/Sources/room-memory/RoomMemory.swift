import ArgumentParser
import Foundation
import LoadSupport
import ParleyCore

#if canImport(Glibc)
import Glibc
#endif

/// `room-memory`: what a room occupant costs in the chat model beyond its session. N
/// sessions (minds that discard what they get) enter R rooms one room after another; the
/// process's RSS after each room (glibc's freed pages handed back first) gives the bytes
/// per occupant. The first room also pays for what entering grows once (the sessions'
/// room tables, allocator arenas); later rooms show the occupant's own state.
@main
struct RoomMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Memory per room occupant in the chat model (docs/benchmarks-muc.md).")

    @Option(help: "Sessions, each entering every room.") var occupants = 1000
    @Option(help: "Rooms entered one after another.") var rooms = 4

    /// Discards room events: the adapters' own cost is not part of this figure.
    final class DiscardingMind: SessionMind {
        let protocolFamily = ProtocolFamily.xmpp
        func deliver(_ event: ChatEvent) throws {}
    }

    func run() async throws {
        var configuration = ChatServiceConfiguration(domain: "localhost")
        configuration.maxOccupantsPerRoom = occupants
        configuration.roomPresenceBurst = 100_000
        let chat = ChatService(configuration: configuration, contacts: InMemoryContactListStore())
        var sessions: [ChatSession] = []
        for index in 0..<occupants {
            sessions.append(
                try await chat.openSession(
                    for: UserID(localpart: "user\(index)", domain: "localhost"), resource: "r", mind: DiscardingMind()))
        }
        var previous = Self.settledRSS()
        var perRoom: [Int] = []
        for room in 0..<rooms {
            let id = RoomID("room\(room)")!
            for (index, session) in sessions.enumerated() {
                try await session.join(id, as: Nickname("user\(index)")!)
            }
            let now = Self.settledRSS()
            perRoom.append((now - previous) / occupants)
            previous = now
        }
        let later = perRoom.dropFirst().sorted()
        let median = later.isEmpty ? perRoom[0] : later[later.count / 2]
        print(
            "room-memory: \(occupants) occupants, bytes per occupant by room: \(perRoom.map(String.init).joined(separator: ", "));"
                + " median of the later rooms: \(median)")
        print("{\"occupants\": \(occupants), \"bytes_per_occupant_by_room\": \(perRoom), \"median_later_rooms\": \(median)}")
        for session in sessions { await session.close() }
    }

    /// RSS in bytes once glibc has handed its free pages back (`malloc_trim`).
    static func settledRSS() -> Int {
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        return (ProcessStats.rssKiB(pid: getpid()) ?? 0) * 1024
    }
}
