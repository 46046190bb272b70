import Synchronization

/// Where status pages are served, to tell users their page's URL: the configured public
/// URL, or the HTTP server's own address once it has bound its port.
public final class PageAddress: Sendable {
    private let configured: String
    private let host: String
    private let fallbackPort: Int
    private let bound = Mutex<Int?>(nil)

    public init(settings: WebStatusSettings) {
        configured = settings.publicURL
        host = settings.httpHost
        fallbackPort = settings.httpPort
    }

    /// Records the port the HTTP server listens on (port 0 picks one).
    public func serverBound(port: Int) { bound.withLock { $0 = port } }

    /// The port the HTTP server listens on, once it runs.
    public var boundPort: Int? { bound.withLock { $0 } }

    /// The base URL, without a trailing `/`.
    public var base: String {
        guard configured.isEmpty else { return configured }
        let port = boundPort ?? fallbackPort
        // An IPv6 literal is bracketed in a URL (RFC 3986 §3.2.2); a wildcard address is
        // no place to send a browser: set public-url when listening on every interface.
        let shown: String =
            switch host {
            case "0.0.0.0": "127.0.0.1"
            case "::": "[::1]"
            default: host.contains(":") ? "[\(host)]" : host
            }
        return "http://\(shown):\(port)"
    }

    /// The HTML page of `id`; its JSON form is the same URL with `.json` appended.
    public func url(forID id: String) -> String { "\(base)/status/\(id)" }
}
