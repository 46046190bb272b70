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
}
