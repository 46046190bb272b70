import HTTPTypes

/// The response fields of the chat page's files: what they are, how long they may be
/// kept, and, for the document, what it may load and connect to.
enum ChatPageHeaders {
    /// The page's Content-Security-Policy (CSP Level 3): scripts, styles and images from
    /// this origin only (no inline script or style), connections to this origin and to its
    /// WebSocket (`ws:`/`wss:` of the request's `Host`; older browsers do not count them as
    /// 'self'), no plugins, no framing, no `<base>`, no form posts.
    static func contentSecurityPolicy(authority: String?) -> String {
        var connect = "'self'"
        if let authority, HostMeta.isSafeAuthority(authority) {
            connect += " ws://\(authority) wss://\(authority)"
        }
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src \(connect); "
            + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// The fields of `file` (named `name`) answering a request to `authority`.
    static func fields(for file: ChatPageFiles.File, name: String, authority: String?) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = file.contentType
        // RFC 9111 §5.2.2.4: kept, but revalidated on every use (the ETag makes that a 304),
        // so a new parleyd's page is picked up at once.
        fields[.cacheControl] = "no-cache"
        fields[.eTag] = file.etag
        fields[xContentTypeOptions] = "nosniff"
        fields[referrerPolicy] = "no-referrer"
        if name == "index.html" {
            fields[.contentSecurityPolicy] = contentSecurityPolicy(authority: authority)
            fields[xFrameOptions] = "DENY"
        }
        return fields
    }

    /// RFC 9110 §13.1.2: whether `If-None-Match` names the file's current tag (or `*`).
    static func notModified(ifNoneMatch: String?, etag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        return ifNoneMatch.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
