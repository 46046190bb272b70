import Foundation
import Testing

@testable import ParleyCore

/// XEP-0313 filters and XEP-0059 paging over archived messages, as the model's pure
/// `ArchiveQuery.page(of:)` does them for every archive store.
@Suite struct ArchiveQueryTests {
    let room = roomID("dev")

    /// Ten messages m0…m9, one second apart, alternately from alice and bob.
    var archive: [ArchivedMessage] {
        (0..<10).map { index in
            let who = index % 2 == 0 ? "alice" : "bob"
            let message = Message(
                id: "m\(index)", kind: .room, from: .occupant(room, nick(who)), to: .room(room), body: "\(index)",
                timestamp: Date(timeIntervalSince1970: 1_000 + Double(index)))
            return ArchivedMessage(message: message, sender: user(who))
        }
    }

    func ids(_ page: ArchivePage) -> [String] { page.messages.map(\.id) }

    @Test func forwardPagingWalksFromTheOldest() throws {
        var query = ArchiveQuery(max: 4)
        var page = try query.page(of: archive)
        #expect(ids(page) == ["m0", "m1", "m2", "m3"])
        #expect(!page.complete && page.count == 10 && page.firstIndex == 0)
        query.after = "m7"
        page = try query.page(of: archive)
        #expect(ids(page) == ["m8", "m9"])
        #expect(page.complete && page.firstIndex == 8)
    }

    @Test func backwardPagingWalksFromTheNewest() throws {
        var query = ArchiveQuery(max: 3)
        query.lastPage = true
        var page = try query.page(of: archive)
        #expect(ids(page) == ["m7", "m8", "m9"])
        #expect(!page.complete)
        query.lastPage = false
        query.before = "m2"
        page = try query.page(of: archive)
        #expect(ids(page) == ["m0", "m1"])
        #expect(page.complete)
    }

    @Test func filtersByNickUserTimeAndIds() throws {
        var query = ArchiveQuery(max: 50)
        query.with = .nick(nick("bob"))
        #expect(ids(try query.page(of: archive)) == ["m1", "m3", "m5", "m7", "m9"])
        query.with = .user(user("alice"))
        query.start = Date(timeIntervalSince1970: 1_003)
        query.end = Date(timeIntervalSince1970: 1_006)
        #expect(ids(try query.page(of: archive)) == ["m4", "m6"])
        var byID = ArchiveQuery(max: 50)
        byID.ids = ["m9", "m2", "nope"]
        #expect(ids(try byID.page(of: archive)) == ["m2", "m9"])
    }

    @Test func anUnknownPagingIdIsAnError() {
        var query = ArchiveQuery(max: 5)
        query.after = "missing"
        #expect(throws: ArchiveQueryError.noSuchID("missing")) { try query.page(of: archive) }
    }

    @Test func anEmptyPageBetweenNeighboursIsComplete() throws {
        var query = ArchiveQuery(max: 5)
        query.after = "m4"
        query.before = "m5"
        let page = try query.page(of: archive)
        #expect(page.messages.isEmpty && page.complete)
    }
}
