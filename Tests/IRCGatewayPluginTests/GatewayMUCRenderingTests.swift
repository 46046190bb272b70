import ParleyCore
import ParleyIRCNIO
import ParleyMUC
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// IRC members as XEP-0045 occupants.
@Suite struct GatewayMUCRenderingTests {
    @Test func prefixesGiveRolesAndAffiliations() {
        let expected: [(String, String, String)] = [
            ("~@", "moderator", "owner"), ("&", "moderator", "admin"), ("@+", "moderator", "admin"),
            ("%", "moderator", "member"), ("+", "participant", "member"), ("", "participant", "none"),
        ]
        for (prefixes, role, affiliation) in expected {
            #expect(GatewayMUCRendering.roleAndAffiliation(prefixes: prefixes) == (role, affiliation), "\(prefixes)")
        }
    }

    @Test func presencesCarryTheItemAndTheStatusCodes() throws {
        let own = GatewayMUCRendering.presence(of: IRCChannelMember(nick: "me", prefixes: "@"), codes: [110, 210])
        #expect(own.availability == .available)
        let x = try #require(own.payloads.first?.native?.value as? XMLElement)
        #expect(x.namespace == MUCNamespace.user)
        let item = try #require(x.firstChild(named: "item", namespace: MUCNamespace.user))
        #expect(item[attribute: "role"] == "moderator" && item[attribute: "affiliation"] == "admin")
        #expect(x.elements.filter { $0.name == "status" }.compactMap { $0[attribute: "code"] } == ["110", "210"])

        // A departure has role none; a nick change keeps the role and names the new nick (§7.6).
        let left = GatewayMUCRendering.departure(prefixes: "+", codes: [307], status: "op: spam")
        let leftItem = try #require((left.payloads.first?.native?.value as? XMLElement)?.firstChild(named: "item", namespace: MUCNamespace.user))
        #expect(left.availability == .unavailable && left.status == "op: spam")
        #expect(leftItem[attribute: "role"] == "none" && leftItem[attribute: "affiliation"] == "member")
        let renamed = GatewayMUCRendering.departure(prefixes: "+", codes: [303], newNick: "robert")
        let renamedItem = try #require((renamed.payloads.first?.native?.value as? XMLElement)?.firstChild(named: "item", namespace: MUCNamespace.user))
        #expect(renamedItem[attribute: "nick"] == "robert" && renamedItem[attribute: "role"] == "participant")
    }
}
