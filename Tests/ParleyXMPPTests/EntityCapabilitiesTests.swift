import ParleyXML
import Testing

@testable import ParleyXMPP

/// XEP-0115 §5: the verification string, checked against the XEP's own examples, and a
/// cache that keeps only verified answers.
@Suite struct EntityCapabilitiesTests {
    static let simple = DiscoInfo(
        identities: [DiscoInfo.Identity(category: "client", type: "pc", name: "Exodus 0.9.1")],
        features: [
            "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
            "http://jabber.org/protocol/muc", "http://jabber.org/protocol/caps",
        ])

    /// §5.2, the simple generation example.
    @Test func theSimpleExample() {
        #expect(
            EntityCapabilities.verificationInput(of: Self.simple)
                == "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
                + "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<")
        #expect(EntityCapabilities.verificationString(of: Self.simple) == "QgayPKawpkPSDYmwT/WM94uAlu0=")
    }

    /// §5.3, the complex generation example: two languages, an extension form.
    @Test func theComplexExample() {
        let form = DataForm(
            type: .result,
            fields: [
                DataFormField(variable: "FORM_TYPE", type: .hidden, values: ["urn:xmpp:dataforms:softwareinfo"]),
                DataFormField(variable: "ip_version", type: .textMulti, values: ["ipv4", "ipv6"]),
                DataFormField(variable: "os", values: ["Mac"]),
                DataFormField(variable: "os_version", values: ["10.5.1"]),
                DataFormField(variable: "software", values: ["Psi"]),
                DataFormField(variable: "software_version", values: ["0.11"]),
            ])
        let info = DiscoInfo(
            identities: [
                DiscoInfo.Identity(category: "client", type: "pc", name: "Psi 0.11", language: "en"),
                DiscoInfo.Identity(category: "client", type: "pc", name: "Ψ 0.11", language: "el"),
            ],
            features: [
                "http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
                "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc",
            ],
            extensions: [form])
        #expect(EntityCapabilities.verificationString(of: info) == "q07IKJEyjvHSyhy//CH0CxmKi8w=")
    }

    /// §5.4: duplicates make the answer untrustworthy.
    @Test func duplicatesAreRefused() {
        var twice = Self.simple
        twice.features.append("http://jabber.org/protocol/muc")
        #expect(EntityCapabilities.verificationString(of: twice) == nil)
    }

    @Test func theCacheKeepsOnlyVerifiedAnswersAndAsksOncePerVer() {
        let cache = CapsCache(capacity: 2)
        let caps = EntityCapabilities(node: "http://code.google.com/p/exodus", ver: "QgayPKawpkPSDYmwT/WM94uAlu0=")
        #expect(cache.shouldAsk(caps))
        #expect(!cache.shouldAsk(caps))  // asked already
        var forged = Self.simple
        forged.features.append("urn:xmpp:avatar:metadata+notify")
        #expect(!cache.learn(caps, info: forged))
        #expect(cache.features(for: caps.ver) == nil)
        #expect(cache.shouldAsk(caps))  // the forged answer freed the question
        #expect(cache.learn(caps, info: Self.simple))
        #expect(cache.features(for: caps.ver)?.contains("http://jabber.org/protocol/muc") == true)
        #expect(!cache.shouldAsk(caps))
        // Bounded: two more verification strings evict the first.
        for ver in ["a", "b"] {
            var info = Self.simple
            info.features.append("urn:example:\(ver)")
            let other = EntityCapabilities(node: "n", ver: EntityCapabilities.verificationString(of: info)!)
            #expect(cache.learn(other, info: info))
        }
        #expect(cache.features(for: caps.ver) == nil)
    }

    @Test func notifyNodesAndTheCElement() throws {
        #expect(
            CapsCache.notifyNodes(["urn:xmpp:avatar:metadata+notify", "urn:xmpp:bookmarks:1+notify", "+notify", "x"])
                == ["urn:xmpp:avatar:metadata", "urn:xmpp:bookmarks:1"])
        let c = XMLElement(
            name: "c", namespace: XMPPNamespace.caps,
            attributes: [XMLAttribute("hash", value: "sha-1"), XMLAttribute("node", value: "https://gajim.org"),
                         XMLAttribute("ver", value: "abc=")])
        #expect(EntityCapabilities(element: c) == EntityCapabilities(node: "https://gajim.org", ver: "abc="))
        #expect(EntityCapabilities(element: c)?.queryNode == "https://gajim.org#abc=")
        var legacy = c
        legacy[attribute: "hash"] = nil
        #expect(EntityCapabilities(element: legacy) == nil)
    }
}
