import Foundation
import HTTPTypes
import ParleyCore
import ParleyCred
import ParleyXMPP

/// Who sent an HTTP request: nobody, or the account its HTTP Basic credentials (RFC 7617)
/// prove through the portal — the same check as an XMPP or IRC login.
enum PubSubHTTPAuth {
    enum Requester: Equatable {
        case anonymous
        case user(JID)
        /// Refused: the status and the reason for the body.
        case refused(HTTPResponse.Status, String)
    }

    /// The `WWW-Authenticate` challenge (RFC 7617 §2, §2.1: UTF-8 credentials).
    static func challenge(realm: String) -> String { "Basic realm=\"\(realm)\", charset=\"UTF-8\"" }

    /// The requester of a request with `authorization` (the header's value, if any).
    /// Basic credentials are refused unless `acceptCredentials` (the face is served over
    /// TLS, or `http-allow-plain-auth` is set); accounts are on
    /// `domain` (the chat domain of this `parleyd`). A refused password is answered after
    /// `failureDelay` (as xmpp-c2s's `auth-failure-delay`), to slow down guessing.
    static func requester(
        authorization: String?, acceptCredentials: Bool, portal: Portal<ChatRealm>, domain: String,
        failureDelay: Duration = .seconds(1)
    ) async -> Requester {
        guard let authorization else { return .anonymous }
        guard let (username, password) = basicCredentials(authorization) else {
            return .refused(.unauthorized, "expected HTTP Basic credentials (RFC 7617)")
        }
        // Over plain HTTP a password would cross the network in clear.
        guard acceptCredentials else {
            return .refused(
                .forbidden, "HTTP Basic authentication is refused over plain HTTP (http-tls, or http-allow-plain-auth)")
        }
        do {
            let user = try await portal.authenticate(UsernamePassword(username: username, password: password))
            return .user(JID(localpart: user.value, domain: domain))
        } catch {
            try? await Task.sleep(for: failureDelay)
            return .refused(.unauthorized, "wrong user name or password")
        }
    }

    /// RFC 7617 §2: `Basic` (any case), one token68 of base64 over `user-id ":" password`
    /// in UTF-8; the user-id is what comes before the first colon.
    static func basicCredentials(_ value: String) -> (String, String)? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
