import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// IRCv3 `draft/multiline` through the gateway: the lines of the spec's examples
/// (extensions/multiline.md "Examples") fed to the IRC client's state machine, its events
/// to the puppet's, and the lines and stanzas that come out. No server on Debian offers the
/// capability (docs/irc-gateway.md), so these are the tests of it.
@Suite struct PuppetMultilineTests {
    let base = PuppetStateTests()
    static let caps = "batch message-tags echo-message server-time draft/multiline=max-bytes=4096,max-lines=24"

    /// An IRC client state registered as `alice` after negotiating `ls`, and its events.
    func client(_ ls: String = Self.caps) -> (IRCClientState, [IRCClientEvent]) {
        var client = IRCClientState(configuration: IRCClientConfiguration(host: "irc.example.net", nick: "alice"))
        _ = client.connected()
        var actions = client.receive(base.irc(":irc.test CAP * LS :\(ls)"))
        let request = actions.compactMap { action -> IRCMessage? in
            if case .sendNow(let m) = action, m.command == "CAP" { m } else { nil }
        }.first
        actions = client.receive(base.irc(":irc.test CAP alice ACK :\(request?.parameters.last ?? "")"))
        actions += client.receive(base.irc(":irc.test 001 alice :Welcome"))
        return (client, actions.compactMap { action -> IRCClientEvent? in if case .event(let e) = action { e } else { nil } })
    }

    /// A puppet in #dev with `desk`, on a network that negotiated `ls`.
    func puppetInDev(_ ls: String = Self.caps) -> (PuppetState, IRCClientState) {
        var puppet = base.state()
        _ = puppet.handle(base.enter(PuppetStateTests.desk))
        let (client, events) = client(ls)
        for event in events { _ = puppet.receive(event) }
        _ = puppet.receive(.memberChanged(channel: "#dev", .listed([IRCChannelMember(nick: "alice"), IRCChannelMember(nick: "n")])))
        return (puppet, client)
    }

    /// Feeds `lines` to the client and every event it reports to the puppet.
    func feed(_ lines: [String], _ client: inout IRCClientState, _ puppet: inout PuppetState) -> [PuppetAction] {
        lines.flatMap { line in
            client.receive(base.irc(line)).flatMap { action -> [PuppetAction] in
                if case .event(let event) = action { puppet.receive(event) } else { [] }
            }
        }
    }

    func sent(_ actions: [PuppetAction]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .send(let lines) = action else { return [] }
            return lines.map { $0.serialized() }
        }
    }

    func say(_ body: String, _ puppet: inout PuppetState, meanings: [ExtensionPayload] = []) -> [PuppetAction] {
        let message = Message(
            id: "a1", kind: .room, from: .session(PuppetStateTests.desk), to: .user(PuppetStateTests.alice), body: body,
            payloads: meanings)
        return puppet.handle(.say(PuppetStateTests.desk, name: "#dev", message))
    }

    @Test func aMultiLineMessageGoesOutAsOneBatchAndItsEchoIsTheOneReflection() {
        var (puppet, client) = puppetInDev()
        let out = say("hello\n\nhow is everyone?", &puppet)
        // multiline "Examples", Client sending a multiline batch (our reference, our budget).
        #expect(sent(out) == [
            "BATCH +parley1 draft/multiline #dev", "@batch=parley1 PRIVMSG #dev hello", "@batch=parley1 PRIVMSG #dev :",
            "@batch=parley1 PRIVMSG #dev :how is everyone?", "BATCH -parley1",
        ])
        #expect(base.posted(out).isEmpty)  // echo-message: the reflection is the echo
        // The server's echo of the batch (its "Server sending the same batch"), read by the client.
        let echo = feed([
            "@msgid=xxx;account=account :alice!a@h BATCH +123 draft/multiline #dev",
            "@batch=123 :alice!a@h PRIVMSG #dev hello", "@batch=123 :alice!a@h PRIVMSG #dev :",
            "@batch=123 :alice!a@h PRIVMSG #dev :how is everyone?", "BATCH -123",
        ], &client, &puppet)
        #expect(base.posted(echo) == ["alice: hello\n\nhow is everyone? → desk"])
        guard case .post(.message(let reflection))? = echo.first else {
            Issue.record("\(echo)")
            return
        }
        #expect(reflection.id == "a1")
        #expect((reflection.payloads.last?.native?.value as? XMLElement)?[attribute: "id"] == "xxx")
        // The batch was one echo: a later line of our nick (another client of ours) is not
        // swallowed as the rest of it.
        let other = feed(["@msgid=yyy :alice!a@h PRIVMSG #dev :typed elsewhere"], &client, &puppet)
        #expect(base.posted(other) == ["alice: typed elsewhere → desk"])
    }

    @Test func aLineLongerThanOneIRCLineIsCutIntoConcatLines() {
        var (puppet, _) = puppetInDev()
        let words = (1...120).map { "word\($0)" }.joined(separator: " ")
        let lines = sent(say(words, &puppet))
        #expect(lines.first == "BATCH +parley1 draft/multiline #dev" && lines.last == "BATCH -parley1")
        let inner = lines.dropFirst().dropLast().map { try! IRCMessage(parsing: $0) }
        #expect(inner.count >= 2)
        #expect(inner.dropFirst().allSatisfy { $0.tag("draft/multiline-concat") != nil })
        let combined = IRCMultiline.combine(inner.map { IRCMultiline.Line($0.parameters[1], concatenated: $0.tag("draft/multiline-concat") != nil) })
        #expect(combined == words)  // the spaces at the cuts are kept
    }

    @Test func overTheServersMaxLinesOrWithoutTheCapabilityItIsSplitAsBefore() {
        var (small, _) = puppetInDev("batch echo-message draft/multiline=max-bytes=4096,max-lines=2")
        #expect(sent(say("one\ntwo\nthree", &small)) == ["PRIVMSG #dev one", "PRIVMSG #dev two", "PRIVMSG #dev three"])
        var (bytes, _) = puppetInDev("batch echo-message draft/multiline=max-bytes=8")
        #expect(sent(say("one\ntwo\nthree", &bytes)) == ["PRIVMSG #dev one", "PRIVMSG #dev two", "PRIVMSG #dev three"])
        // A network without it (ngircd, InspIRCd 3): as before.
        var (plain, _) = puppetInDev("batch echo-message message-tags")
        #expect(sent(say("one\ntwo", &plain)) == ["PRIVMSG #dev one", "PRIVMSG #dev two"])
        // A single line is a single line, batch or not.
        var (single, _) = puppetInDev()
        #expect(sent(say("one", &single)) == ["PRIVMSG #dev one"])
    }

    @Test func aMultiLineMeIsCTCPActionLinesAsBefore() {
        var (puppet, _) = puppetInDev()
        let lines = sent(say("waves\nand smiles", &puppet, meanings: [ExtensionPayload(meaning: .action)]))
        #expect(lines == ["PRIVMSG #dev :\u{1}ACTION waves\u{1}", "PRIVMSG #dev :\u{1}ACTION and smiles\u{1}"])
    }

    @Test func someoneElsesBatchIsOneGroupchatMessageWithTheBatchMsgid() {
        var (puppet, client) = puppetInDev()
        let got = feed([
            "@msgid=xxx;account=account :n!u@h BATCH +123 draft/multiline #dev",
            "@batch=123 :n!u@h PRIVMSG #dev hello", "@batch=123 :n!u@h PRIVMSG #dev :",
            "@batch=123 :n!u@h PRIVMSG #dev :how is ", "@batch=123;draft/multiline-concat :n!u@h PRIVMSG #dev :everyone?",
            "BATCH -123",
        ], &client, &puppet)
        #expect(base.posted(got) == ["n: hello\n\nhow is everyone? → desk"])
        guard case .post(.message(let message))? = got.first else { return }
        #expect((message.payloads.last?.native?.value as? XMLElement)?[attribute: "id"] == "xxx")
    }

    @Test func aBatchCutShortIsLogged() {
        var (puppet, _) = puppetInDev()
        let actions = puppet.receive(.batchLimited(type: "draft/multiline", reason: "2 lines dropped"))
        guard case .log(_, let metadata)? = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(metadata["reason"] == "2 lines dropped")
    }
}
