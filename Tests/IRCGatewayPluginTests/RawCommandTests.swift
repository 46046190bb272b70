import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyXML
import ParleyXMPP
import Testing

@testable import IRCGatewayPlugin

/// biboumi's raw IRC messages and connection commands.
@Suite struct RawCommandTests {
    let states = PuppetStateTests()

    @Test func aBodyBecomesCheckedCommandsOrARefusal() throws {
        let lines = try GatewayRawCommands.lines(of: "WHOIS bob\r\n\n:spoof!x@y PRIVMSG NickServ :identify secret").get()
        #expect(lines.map(\.command) == ["WHOIS", "PRIVMSG"])
        #expect(lines[1].source == nil && lines[1].parameters == ["NickServ", "identify secret"])
        for refused in ["QUIT :bye", "cap req sasl", "", "  \n ", String(repeating: "PING x\n", count: 21), "PRIVMSG #a :" + String(repeating: "x", count: 600)] {
            guard case .failure = GatewayRawCommands.lines(of: refused) else {
                Issue.record("accepted: \(refused.prefix(30))")
                continue
            }
        }
    }

    @Test func theNetworksRepliesGoToTheResourceForAWhileAndTheInfoSaysWhereWeAre() {
        var puppet = states.state()
        _ = puppet.handle(states.enter(PuppetStateTests.desk))
        _ = puppet.receive(.registered(nick: "alice"))
        _ = puppet.receive(.memberChanged(channel: "#dev", .listed([IRCChannelMember(nick: "alice")])))
        // Before any raw command, an unhandled numeric goes nowhere.
        #expect(states.posted(puppet.receive(.other(states.irc(":irc.test 311 alice bob b host * :Bob")))).isEmpty)
        let sent = puppet.handle(.raw(PuppetStateTests.desk, [states.irc("WHOIS bob")]))
        guard case .send(let lines)? = sent.first else {
            Issue.record("\(sent)")
            return
        }
        #expect(lines.map(\.command) == ["WHOIS"])
        let reply = puppet.receive(.other(states.irc(":irc.test 311 alice bob b host * :Bob")))
        #expect(states.posted(reply) == ["room: bob b host * Bob → desk"])
        guard case .post(.message(let message))? = reply.first else { return }
        #expect(message.from == .user(UserID(localpart: "irc.example.net", domain: "irc.example.org")))
        #expect(
            puppet.connectionInfo == "Connected to irc.example.net on port 6697 with TLS as alice.\n#dev: desk")
    }

    @Test func theDisconnectCommandShowsTheFormThenReadsTheChoice() throws {
        let execute = XMLElement(name: "command", namespace: GatewayCommands.namespace, attributes: [XMLAttribute("node", value: GatewayCommands.disconnect)])
        #expect(try GatewayCommands.disconnectStage(execute, kind: .set).get() == .form)
        let form = GatewayCommands.disconnectForm(networks: ["irc.example.net", "irc.other.org"])
        let shown = try DataForm.first(in: form)
        #expect(shown?[GatewayCommands.serversField]?.options.map(\.value) == ["irc.example.net", "irc.other.org"])
        var submit = XMLElement(
            name: "command", namespace: GatewayCommands.namespace,
            attributes: [XMLAttribute("node", value: GatewayCommands.disconnect), XMLAttribute("sessionid", value: "s1")])
        submit.append(
            DataForm(
                type: .submit,
                fields: [
                    DataFormField(variable: GatewayCommands.serversField, values: ["irc.other.org"]),
                    DataFormField(variable: GatewayCommands.quitField, values: ["bye\r\nQUIT :now"]),
                ]
            ).element)
        #expect(
            try GatewayCommands.disconnectStage(submit, kind: .set).get()
                == .submitted(session: "s1", networks: ["irc.other.org"], quitMessage: "bye"))
        #expect(throws: StanzaError.self) { try GatewayCommands.disconnectStage(execute, kind: .get).get() }
    }
}
