import Testing

@testable import ParleyXMPP

/// RFC 6125 §6.4 matching of a domain against a certificate's identities.
@Suite struct S2SCertificateIdentitiesTests {
    @Test func dnsNamesAndWildcards() {
        let identities = S2SCertificateIdentities(dnsNames: ["example.org", "*.example.org"])
        #expect(identities.covers("example.org"))
        #expect(identities.covers("Conference.Example.org"))
        // §6.4.3: the wildcard is one whole leftmost label, never more.
        #expect(!identities.covers("a.b.example.org"))
        #expect(!identities.covers("example.com"))
        #expect(!S2SCertificateIdentities(dnsNames: ["*.org"]).covers("example.co.org"))
    }

    @Test func xmppAddrAndSRVIdentities() {
        #expect(S2SCertificateIdentities(xmppAddresses: ["chat.example"]).covers("chat.example"))
        #expect(S2SCertificateIdentities(srvDomains: ["chat.example"]).covers("chat.example"))
        #expect(!S2SCertificateIdentities(xmppAddresses: ["other.example"]).covers("chat.example"))
    }

    @Test func anUnverifiedChainNamesNothing() {
        #expect(!S2SCertificateNames.none.covers("example.org"))
        #expect(S2SCertificateNames.verified(S2SCertificateIdentities(dnsNames: ["example.org"])).covers("example.org"))
    }
}
