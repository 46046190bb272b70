import Crypto
import Foundation

/// Time-limited TURN credentials from a secret shared with the TURN server (the "TURN REST
/// API" of draft-uberti-behave-turn-rest-00 §2.2, which coturn's `use-auth-secret` and
/// Prosody's `mod_turn_external` follow): the user name is the expiry time in seconds since
/// 1970 and the account, the password base64(HMAC-SHA1(secret, user name)).
public struct TURNCredentials: Sendable, Equatable {
    public let username: String
    public let password: String
    public let expires: Date

    /// Credentials for `account`, valid for `lifetime` seconds from `now`.
    public init(secret: String, account: String, lifetime: TimeInterval, now: Date = Date()) {
        let expires = now.addingTimeInterval(lifetime)
        self.expires = expires
        self.username = "\(Int(expires.timeIntervalSince1970)):\(account)"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        self.password = Data(mac).base64EncodedString()
    }
}
