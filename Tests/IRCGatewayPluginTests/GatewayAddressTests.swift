import Testing

@testable import IRCGatewayPlugin

/// biboumi's addressing, both ways.
@Suite struct GatewayAddressTests {
    @Test func theFourFormsParseAndPrintBack() {
        let cases: [(String?, GatewayAddress)] = [
            ("#dev%irc.example.net", .channel(network: "irc.example.net", name: "#dev")),
            ("&local%127.0.0.1", .channel(network: "127.0.0.1", name: "&local")),
            ("alice%irc.example.net", .person(network: "irc.example.net", nick: "alice")),
            ("irc.example.net", .network("irc.example.net")),
            (nil, .gateway),
        ]
        for (localpart, address) in cases {
            #expect(GatewayAddress(localpart: localpart, fixedNetwork: nil) == address, "\(localpart ?? "nil")")
            #expect(address.localpart(fixedNetwork: nil) == localpart)
        }
        // The network is case-insensitive; the last % separates it (a nick may hold one).
        #expect(GatewayAddress(localpart: "#Dev%IRC.Example.NET", fixedNetwork: nil) == .channel(network: "irc.example.net", name: "#Dev"))
        #expect(GatewayAddress(localpart: "a%b%irc.example.net", fixedNetwork: nil) == .person(network: "irc.example.net", nick: "a%b"))
    }

    @Test func aFixedNetworkLeavesOutThePercentPart() {
        let fixed = "irc.example.net"
        #expect(GatewayAddress(localpart: "#dev", fixedNetwork: fixed) == .channel(network: fixed, name: "#dev"))
        #expect(GatewayAddress(localpart: "alice", fixedNetwork: fixed) == .person(network: fixed, nick: "alice"))
        #expect(GatewayAddress.channel(network: fixed, name: "#dev").localpart(fixedNetwork: fixed) == "#dev")
        #expect(GatewayAddress(localpart: "#dev%other.example.net", fixedNetwork: fixed) == nil)
    }

    @Test func malformedAddressesAreRefused() {
        for bad in ["#dev%", "%irc.example.net", "#%irc.example.net", "#dev%not_a_host", "localhost", "#a b%irc.example.net",
            "#a,b%irc.example.net", "#a\u{7}b%irc.example.net"]
        {
            #expect(GatewayAddress(localpart: bad, fixedNetwork: nil) == nil, "\(bad)")
        }
    }
}
