import Foundation
import ParleyCore
import ParleyXML
import Testing

@testable import XMPPC2SPlugin

/// `AccountElementStore` (vCards, private XML): an element per account and key, read back
/// by a new instance; one over the limit refused with the stored one kept; removal.
@Suite struct AccountElementStoreTests {
    @Test func storesReadsRefusesAndForgets() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elements-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let alice = Username("alice")!
        let store = AccountElementStore(directory: directory, maximumBytes: 2048)
        let card = try XMLStreamParser.parseDocument("<vCard xmlns='vcard-temp'><FN>Alice &amp; co</FN></vCard>")
        try await store.store(card, of: alice, key: "vcard")
        #expect(try await AccountElementStore(directory: directory, maximumBytes: 2048).element(of: alice, key: "vcard") == card)
        #expect(try await store.element(of: Username("bob")!, key: "vcard") == nil)

        let huge = try XMLStreamParser.parseDocument("<vCard xmlns='vcard-temp'><PHOTO>\(String(repeating: "A", count: 4096))</PHOTO></vCard>")
        await #expect(throws: AccountElementStore.TooLarge.self) { try await store.store(huge, of: alice, key: "vcard") }
        #expect(try await store.element(of: alice, key: "vcard") == card)

        // One file per key, at most `maximumKeys` per account; rewriting a key is fine.
        let few = AccountElementStore(directory: directory, maximumBytes: 2048, maximumKeys: 2)
        try await few.store(card, of: alice, key: "other")
        await #expect(throws: AccountElementStore.TooMany.self) { try await few.store(card, of: alice, key: "third") }
        try await few.store(card, of: alice, key: "other")

        store.removeAll(of: alice)
        #expect(try await store.element(of: alice, key: "vcard") == nil)
    }
}
