import Foundation
import Testing

@testable import ParleyCred

/// Per-user settings records: atomic files that read back what was written, 0600.
@Suite struct SettingsStoreTests {
    @Test func recordsRoundTripAndAbsentOnesAreEmpty() throws {
        let directory = NSTemporaryDirectory() + "settings-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FlatFileSettingsStore(directory: directory, kind: "test")
        #expect(try store.load("alice@example.org%irc.example.net").isEmpty)
        let record = ["ports": "6667 6668", "realname": " spaced \\ and\nnewline ", "sasl-password": "p=w"]
        try store.save("alice@example.org%irc.example.net", record)
        #expect(try store.load("alice@example.org%irc.example.net") == record)
        let path = store.path(of: "alice@example.org%irc.example.net")
        #expect(!path.dropFirst(directory.count + 1).contains("/"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A file with the wrong header is an error that names it.
        try "# parley-other 1\nports = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { try store.load("alice@example.org%irc.example.net") }
    }

    /// All records at once, never a torn temporary file; nested stores named by the
    /// encoding (never the raw name); removal of a record and of a whole tree.
    @Test func loadAllSubstoresAndRemoval() throws {
        let directory = NSTemporaryDirectory() + "settings-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = try FlatFileSettingsStore(directory: directory, kind: "root")
        let node = try root.substore("../../up", kind: "node", maximumFileBytes: 128)
        #expect(node.directory == directory + "/%2E.%2F..%2Fup")
        try node.save("a", ["v": "1"])
        try node.save("b", ["v": "2"])
        // What a kill -9 during a write leaves beside the real file: never read.
        try "# parley-node 1\nv =".write(toFile: node.directory + "/a.conf.tmp-1-abc", atomically: false, encoding: .utf8)
        #expect(try node.loadAll() == [["v": "1"], ["v": "2"]])
        #expect(try root.substores(kind: "node").map(\.directory) == [node.directory])
        // The store's own limit applies.
        try node.save("big", ["v": String(repeating: "x", count: 200)])
        #expect(throws: StoreError.self) { try node.loadAll() }
        try node.remove("big")
        try node.remove("never-there")
        #expect(try node.loadAll().count == 2)
        _ = try node.substore("items", kind: "item")
        try node.removeAll()
        #expect(!FileManager.default.fileExists(atPath: node.directory))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
