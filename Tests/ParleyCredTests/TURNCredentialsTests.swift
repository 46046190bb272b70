import Foundation
import Testing

@testable import ParleyCred

/// The TURN REST credentials coturn's `use-auth-secret` checks: expiry:account, and
/// base64(HMAC-SHA1(secret, user name)) (the value computed independently with Python's hmac).
@Suite struct TURNCredentialsTests {
    @Test func theUserNameNamesTheExpiryAndThePasswordIsTheHMAC() {
        let credentials = TURNCredentials(
            secret: "s3cret", account: "alice@example.org", lifetime: 86_400, now: Date(timeIntervalSince1970: 1_765_000_000 - 86_400))
        #expect(credentials.username == "1765000000:alice@example.org")
        #expect(credentials.password == "TRt+nIhwQNWpBzRejRrILdNv6K8=")
        #expect(credentials.expires == Date(timeIntervalSince1970: 1_765_000_000))
    }
}
