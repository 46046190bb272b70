import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Synchronization
import Testing

@testable import ParleyMUC

/// An archive in memory, paging with the model's `ArchiveQuery`.
final class MemoryArchive: RoomArchive {
    let messages = Mutex<[RoomID: [ArchivedMessage]]>([:])
    func append(_ message: ArchivedMessage, in room: RoomID) { messages.withLock { $0[room, default: []].append(message) } }
    func query(_ room: RoomID, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage {
        try query.page(of: messages.withLock { $0[room] ?? [] })
    }
    func newest(_ room: RoomID, count: Int) -> [ArchivedMessage] { Array(messages.withLock { $0[room] ?? [] }.suffix(count)) }
    func removeArchive(of room: RoomID) { _ = messages.withLock { $0.removeValue(forKey: room) } }
    func flush() {}
}

/// XEP-0313 queries to a room through `MUCService`.
extension MUCServiceTests {
    func mamQuery(_ room: String, queryID: String = "q1", form: String = "", set: String = "") -> String {
        "<iq xmlns='jabber:client' type='set' id='m1' to='\(room)@conference.example.org'><query xmlns='urn:xmpp:mam:2' queryid='\(queryID)'>\(form)\(set.isEmpty ? "" : "<set xmlns='http://jabber.org/protocol/rsm'>\(set)</set>")</query></iq>"
    }

    @Test func archivedGroupchatIsPagedWithRSMAndFinishedWithFin() async throws {
        let archive = MemoryArchive()
        chat.attachArchive(archive)
        let (olivia, room) = try await owned("log")
        try await unlock("log", as: olivia)
        for index in 0..<5 {
            try await olivia.send(Message(kind: .room, from: .session(olivia.id), to: .room(room), body: "n\(index)"))
        }
        let client = Client()
        try await send(mamQuery("log", set: "<max>2</max><before/>"), from: olivia, client: client)
        let sent = client.sent.withLock { $0 }
        let results = sent.dropLast().compactMap { $0.firstChild(named: "result", namespace: MUCNamespace.mam) }
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0[attribute: "queryid"] == "q1" })
        let bodies = results.compactMap {
            $0.firstChild(named: "forwarded", namespace: MUCNamespace.forward)?.firstChild(named: "message", namespace: "jabber:client")?
                .firstChild(named: "body", namespace: "jabber:client")?.text
        }
        #expect(bodies == ["n3", "n4"])
        let fin = try #require(sent.last?.firstChild(named: "fin", namespace: MUCNamespace.mam))
        #expect(sent.last?[attribute: "type"] == "result")
        #expect(fin[attribute: "complete"] == nil)
        let first = try #require(fin.firstChild(named: "set", namespace: MUCNamespace.rsm)?.firstChild(named: "first", namespace: MUCNamespace.rsm))
        #expect(first.text == results.first?[attribute: "id"])
        #expect(first[attribute: "index"] == "3")
        // The page before it, to the start.
        let earlier = Client()
        try await send(mamQuery("log", set: "<max>10</max><before>\(first.text)</before>"), from: olivia, client: earlier)
        let last = try #require(earlier.sent.withLock { $0.last })
        #expect(last.firstChild(named: "fin", namespace: MUCNamespace.mam)?[attribute: "complete"] == "true")
        #expect(earlier.sent.withLock { $0.count } == 4)
        await olivia.close()
    }

    @Test func badQueriesAreRefusedByName() async throws {
        chat.attachArchive(MemoryArchive())
        let (olivia, _) = try await owned("strictlog")
        try await unlock("strictlog", as: olivia)
        let form: (String, String) -> String = { variable, value in
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field><field var='\(variable)'><value>\(value)</value></field></x>"
        }
        for (query, condition, named) in [
            (mamQuery("strictlog", form: form("colour", "blue")), "feature-not-implemented", "colour"),
            (mamQuery("strictlog", form: form("start", "yesterday")), "bad-request", "start"),
            (mamQuery("strictlog", set: "<after>nope</after>"), "item-not-found", "nope"),
            (mamQuery("nosuchroom"), "item-not-found", "room"),
        ] {
            let client = Client()
            try await send(query, from: olivia, client: client)
            let error = try #require(client.sent.withLock { $0.last }.flatMap { StanzaError(from: $0) })
            #expect(error.condition.rawValue == condition)
            #expect(error.text?.contains(named) == true, "\(error)")
        }
        await olivia.close()
    }

    @Test func aMembersOnlyRoomsArchiveIsForMembers() async throws {
        chat.attachArchive(MemoryArchive())
        let (olivia, _) = try await owned("private")
        let form = "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field></x>"
        try await send(ownerQuery("private", "set", form), from: olivia, client: Client())
        let stranger = try await session("stranger")
        let client = Client()
        try await send(mamQuery("private"), from: stranger, client: client)
        #expect(client.errors == ["forbidden"])
        await olivia.close()
        await stranger.close()
    }
}
