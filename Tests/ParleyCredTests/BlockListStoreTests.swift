import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

/// `FlatFileBlockListStore`: a list read back by a new instance, domains and sessions,
/// hostile resources, an emptied list's file removed.
@Suite struct BlockListStoreTests {
    @Test func aListSurvivesANewInstanceAndAnEmptyOneLeavesNoFile() throws {
        let dir = TemporaryDirectory()
        let alice = Username("alice")!
        let list = BlockList([
            BlockedAddress(user: UserID(parsing: "bob@example.org")!),
            BlockedAddress(user: UserID(parsing: "spam.example")!),
            BlockedAddress(user: UserID(parsing: "eve@example.org")!, resource: "phone\nwith a line break"),
        ])
        try FlatFileBlockListStore(directory: dir.path).setBlockList(list, of: alice)
        let reopened = try FlatFileBlockListStore(directory: dir.path)
        #expect(try reopened.blockList(of: alice) == list)
        #expect(try reopened.blockList(of: Username("bob")!) == BlockList())
        try reopened.setBlockList(BlockList(), of: alice)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
