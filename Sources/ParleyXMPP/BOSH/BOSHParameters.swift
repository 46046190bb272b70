/// A BOSH session's attributes as the server grants them in its session creation
/// response (XEP-0124 §7.2, XEP-0206 §4): each within what the client asked and the
/// server's own bounds.
public struct BOSHParameters: Sendable, Equatable {
    /// The session identifier: unguessable (it is the only credential of the session's
    /// requests, §7.2).
    public var sid: String
    /// Seconds a request is held at most before an empty answer (`wait`, ≤ the client's).
    public var wait: Int
    /// Requests held at once (`hold`: 1, or 0 when the client asked for polling).
    public var hold: Int
    /// Requests the client may have open at once (`requests`, hold + 1); also the rid
    /// window (§14.2) and the responses kept for retransmission (§14.3).
    public var requests: Int { hold + 1 }
    /// Seconds without a request after which the session ends (`inactivity`, §10).
    public var inactivity: Int
    /// The shortest polling interval in seconds (`polling`, §12).
    public var polling: Int
    /// The BOSH version (`ver`, §7.2: the highest the server supports, at most the client's).
    public var version: String
    /// The served domain (`from`).
    public var domain: String

    /// The session a creation request gets: `wait` capped by `maximumWait`, `hold` of at
    /// most 1.
    public init(sid: String, request: BOSHRequest, maximumWait: Int, inactivity: Int, polling: Int, domain: String) {
        self.sid = sid
        self.wait = max(1, min(request.wait ?? maximumWait, maximumWait))
        // §7.2: the server's hold must not exceed the client's.
        self.hold = max(0, min(request.hold ?? 1, 1))
        self.inactivity = inactivity
        self.polling = polling
        self.version = Self.version(offered: request.version)
        self.domain = domain
    }

    /// The protocol version this server follows.
    public static let supportedVersion = "1.11"

    /// §7.2: the lower of the client's `ver` (major.minor, compared as numbers) and ours;
    /// ours when the client named none or one that does not read as a version.
    static func version(offered: String?) -> String {
        func parts(_ text: String) -> (Int, Int)? {
            let fields = text.split(separator: ".", omittingEmptySubsequences: false)
            guard fields.count == 2, let major = Int(fields[0]), let minor = Int(fields[1]) else { return nil }
            return (major, minor)
        }
        guard let offered, let theirs = parts(offered), let ours = parts(supportedVersion), theirs < ours else {
            return supportedVersion
        }
        return offered
    }
}
