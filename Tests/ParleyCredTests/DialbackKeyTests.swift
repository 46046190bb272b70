import Testing

@testable import ParleyCred

/// XEP-0185 §3 keys. The expected value was computed independently with Python's
/// hmac and hashlib from the XEP's formula and its example inputs.
@Suite struct DialbackKeyTests {
    @Test func theXEPFormula() {
        let key = DialbackKey.key(secret: "s3cr3tf0rd14lb4ck", receiving: "example.net", originating: "example.com", streamID: "D60000229F")
        #expect(key == "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc")
        #expect(DialbackKey.verify(key.uppercased(), secret: "s3cr3tf0rd14lb4ck", receiving: "example.net", originating: "example.com", streamID: "D60000229F"))
    }

    @Test func everyInputChangesTheKey() {
        let base = DialbackKey.key(secret: "s", receiving: "r", originating: "o", streamID: "i")
        #expect(DialbackKey.key(secret: "t", receiving: "r", originating: "o", streamID: "i") != base)
        #expect(DialbackKey.key(secret: "s", receiving: "o", originating: "r", streamID: "i") != base)
        #expect(DialbackKey.key(secret: "s", receiving: "r", originating: "o", streamID: "j") != base)
        #expect(!DialbackKey.verify("", secret: "s", receiving: "r", originating: "o", streamID: "i"))
    }
}
