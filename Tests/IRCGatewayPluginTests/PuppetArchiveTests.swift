import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyMUC
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// XEP-0313 queries on a channel room answered with IRCv3 CHATHISTORY: the request for
/// each RSM/form selection, and the spec's reply (extensions/chathistory.md "Examples")
/// as `<result/>` messages and the IQ's `<fin/>`.
@Suite struct PuppetArchiveTests {
    let base = PuppetStateTests()
    let history = PuppetChatHistoryTests()
    let multiline = PuppetMultilineTests()

    /// In #dev with the entry done (maxstanzas 0: no entry request) on a network with
    /// chathistory (`isupport`), or without it.
    func inDev(_ ls: String = PuppetChatHistoryTests.caps, isupport: String = "CHATHISTORY=50") -> (PuppetState, IRCClientState) {
        let (puppet, client, actions) = history.entering(history: 0, ls, isupport: isupport)
        #expect(multiline.sent(actions).isEmpty)
        return (puppet, client)
    }

    func ask(_ puppet: inout PuppetState, iq: String = "q1", _ configure: (inout ArchiveQuery) -> Void = { _ in }) -> [PuppetAction] {
        var query = ArchiveQuery(max: MAMRequest.defaultPageSize)
        configure(&query)
        return puppet.handle(.archiveQuery(PuppetStateTests.desk, name: "#dev", iq: iq, queryID: "f27", query))
    }

    /// The IQ answers posted: "id result|error-condition".
    func answers(_ actions: [PuppetAction]) -> [(id: String, payload: XMLElement?)] {
        actions.compactMap { action -> (id: String, payload: XMLElement?)? in
            guard case .post(.query(let query)) = action else { return nil }
            return (query.id, query.payloads.first?.native?.value as? XMLElement)
        }
    }

    func results(_ actions: [PuppetAction]) -> [XMLElement] {
        actions.compactMap { action -> XMLElement? in
            guard case .post(.message(let message)) = action else { return nil }
            return message.payloads.first?.native?.value as? XMLElement
        }
    }

    @Test func eachSelectionIsTheMatchingChatHistoryRequest() {
        var (puppet, _) = inDev()
        // No set, or <before/> (the last page): LATEST *, max as the limit.
        #expect(multiline.sent(ask(&puppet) { $0.max = 10 }) == ["CHATHISTORY LATEST #dev * 10"])
        var (p2, _) = inDev()
        #expect(multiline.sent(ask(&p2) { $0.before = "1238" }) == ["CHATHISTORY BEFORE #dev msgid=1238 50"])
        var (p3, _) = inDev()
        #expect(multiline.sent(ask(&p3) { $0.after = "1234" }) == ["CHATHISTORY AFTER #dev msgid=1234 50"])
        var (p4, _) = inDev()
        let start = IRCServerTime.parse("2019-01-04T14:33:26.123Z")!
        #expect(multiline.sent(ask(&p4) { $0.start = start }) == ["CHATHISTORY AFTER #dev timestamp=2019-01-04T14:33:26.123Z 50"])
        // An id that is a server-time stamp (a message without msgid) pages by time.
        var (p5, _) = inDev()
        #expect(multiline.sent(ask(&p5) { $0.before = "2019-01-04T14:33:26.123Z" }) == ["CHATHISTORY BEFORE #dev timestamp=2019-01-04T14:33:26.123Z 50"])
        // The network's limit caps max.
        var (p6, _) = inDev(isupport: "CHATHISTORY=5")
        #expect(multiline.sent(ask(&p6)) == ["CHATHISTORY LATEST #dev * 5"])
    }

    @Test func theSpecsReplyIsResultsThenTheFin() {
        var (puppet, client) = inDev()
        _ = ask(&puppet) { $0.max = 3 }
        let reply = multiline.feed(PuppetChatHistoryTests.reply, &client, &puppet)
        let found = results(reply)
        #expect(found.map { $0[attribute: "id"] } == ["1234", "1235", "1238"])
        #expect(found.allSatisfy { $0.name == "result" && $0.namespace == MUCNamespace.mam && $0[attribute: "queryid"] == "f27" })
        let forwarded = found.first?.firstChild(named: "forwarded", namespace: MUCNamespace.forward)
        #expect(forwarded?.firstChild(named: "delay", namespace: "urn:xmpp:delay")?[attribute: "stamp"] == "2019-01-04T14:33:26.123Z")
        let inner = forwarded?.elements.first { $0.name == "message" }
        #expect(inner?[attribute: "type"] == "groupchat")
        #expect(inner?[attribute: "from"] == "#dev%irc.example.net@irc.example.org/nick")
        #expect(inner?.firstChild(named: "body", namespace: inner?.namespace ?? "")?.text == "message")
        // §4.3: the IQ result last, with the RSM first and last; 3 of 3 asked: not complete.
        guard let fin = answers(reply).last, fin.id == "q1", let element = fin.payload else {
            Issue.record("\(reply)")
            return
        }
        #expect(element.name == "fin" && element[attribute: "complete"] == nil)
        let set = element.firstChild(named: "set", namespace: MUCNamespace.rsm)
        #expect(set?.firstChild(named: "first", namespace: MUCNamespace.rsm)?.text == "1234")
        #expect(set?.firstChild(named: "last", namespace: MUCNamespace.rsm)?.text == "1238")
        // Three results from the room, then the IQ ("other"): no groupchat history, no presences.
        #expect(base.posted(reply) == ["room:  → desk", "room:  → desk", "room:  → desk", "other"])
    }

    @Test func withoutChatHistoryOrForAWithFilterTheQueryIsRefusedAndNothingSent() {
        var (plain, _) = inDev("batch server-time")
        let refused = ask(&plain)
        #expect(multiline.sent(refused).isEmpty)
        #expect(answers(refused).map { $0.payload?.elements.first?.name } == ["service-unavailable"])
        var (puppet, _) = inDev()
        let with = ask(&puppet) { $0.with = .nick(Nickname("bob")!) }
        #expect(multiline.sent(with).isEmpty)
        #expect(answers(with).map { $0.payload?.elements.first?.name } == ["feature-not-implemented"])
    }

    @Test func oneQueryInFlightPerChannelTheNextQueuedAndBounded() {
        var (puppet, client) = inDev()
        #expect(multiline.sent(ask(&puppet, iq: "q1")).count == 1)
        for index in 2...5 { #expect(multiline.sent(ask(&puppet, iq: "q\(index)")).isEmpty) }
        let sixth = ask(&puppet, iq: "q6")
        #expect(answers(sixth).map { $0.payload?.elements.first?.name } == ["resource-constraint"])
        // The first reply answers q1 and sends q2's request.
        let reply = multiline.feed([":irc.host BATCH +e chathistory #dev", ":irc.host BATCH -e"], &client, &puppet)
        #expect(answers(reply).map(\.id) == ["q1"])
        #expect(answers(reply).first?.payload?[attribute: "complete"] == "true")  // 0 of 50
        #expect(multiline.sent(reply) == ["CHATHISTORY LATEST #dev * 50"])
    }

    @Test func aTimeoutOrARefusalIsAnErrorAndTheNextGoesOut() {
        var (puppet, _) = inDev()
        let first = ask(&puppet, iq: "q1")
        _ = ask(&puppet, iq: "q2")
        guard let timer = history.timeout(first) else {
            Issue.record("\(first)")
            return
        }
        let fired = puppet.historyTimedOut(timer.key, query: timer.query)
        #expect(answers(fired).map(\.id) == ["q1"])
        #expect(answers(fired).first?.payload?.elements.first?.name == "remote-server-timeout")
        #expect(multiline.sent(fired).count == 1)
        let refused = puppet.receive(.other(base.irc(":irc.host FAIL CHATHISTORY MESSAGE_ERROR BEFORE #dev :Messages could not be retrieved")))
        #expect(answers(refused).map(\.id) == ["q2"])
        #expect(answers(refused).first?.payload?.elements.first?.name == "service-unavailable")
    }
}
