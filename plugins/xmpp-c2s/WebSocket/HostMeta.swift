import Foundation
import ParleyXML

/// XEP-0156 discovery: the documents at `/.well-known/host-meta` (RFC 6415 XRD, XML) and
/// `/.well-known/host-meta.json` (RFC 6415 JRD) naming the WebSocket endpoint with the
/// link relation `urn:xmpp:alt-connections:websocket` and the BOSH one with
/// `urn:xmpp:alt-connections:xbosh` (XEP-0156 §3).
struct HostMeta: Sendable, Equatable {
    static let webSocketRelation = "urn:xmpp:alt-connections:websocket"
    static let boshRelation = "urn:xmpp:alt-connections:xbosh"
    static let xrdNamespace = "http://docs.oasis-open.org/ns/xri/xrd-1.0"

    /// The endpoints' URLs (`ws://host:port/xmpp-websocket`).
    var webSockets: [String]
    /// The BOSH endpoints' URLs (`http://host:port/http-bind`).
    var bosh: [String] = []

    /// Every link, relation and URL, WebSockets first.
    private var links: [(relation: String, url: String)] {
        webSockets.map { (Self.webSocketRelation, $0) } + bosh.map { (Self.boshRelation, $0) }
    }

    /// The XRD document (RFC 6415 §3; content type `application/xrd+xml`).
    var xrd: String {
        var root = XMLElement(name: "XRD", namespace: Self.xrdNamespace)
        for link in links {
            root.append(
                XMLElement(
                    name: "Link", namespace: Self.xrdNamespace,
                    attributes: [XMLAttribute("rel", value: link.relation), XMLAttribute("href", value: link.url)]))
        }
        return "<?xml version='1.0' encoding='utf-8'?>\n" + String(decoding: root.serialized(), as: UTF8.self) + "\n"
    }

    /// The JRD document (RFC 6415 Appendix A; `application/json`).
    var json: String {
        let links = self.links.map { ["rel": $0.relation, "href": $0.url] }
        let data = (try? JSONSerialization.data(withJSONObject: ["links": links], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The endpoint's URL as a client reaches it: the request's authority (`Host`) when it
    /// has a safe one, else the listener's own address.
    static func webSocketURL(authority: String?, fallback: String, secure: Bool) -> String {
        "\(secure ? "wss" : "ws")://\(host(authority, fallback: fallback))\(C2SWebSocketRoute.path)"
    }

    /// The BOSH endpoint's URL, chosen the same way.
    static func boshURL(authority: String?, fallback: String, secure: Bool) -> String {
        "\(secure ? "https" : "http")://\(host(authority, fallback: fallback))\(C2SBOSHRoute.path)"
    }

    /// The documents for clients that reach the endpoints through a proxy at `base`
    /// (`http-public-url`, checked by `publicBase`): `wss://…/xmpp-websocket` and
    /// `https://…/http-bind` under it (`ws:` and `http:` for an `http:` base).
    static func published(at base: URL) -> HostMeta {
        let secure = base.scheme == "https"
        let rest = base.absoluteString.dropFirst(secure ? "https://".count : "http://".count)
        let trimmed = rest.hasSuffix("/") ? rest.dropLast() : rest
        return HostMeta(
            webSockets: ["\(secure ? "wss" : "ws")://\(trimmed)\(C2SWebSocketRoute.path)"],
            bosh: ["\(secure ? "https" : "http")://\(trimmed)\(C2SBOSHRoute.path)"])
    }

    /// `text` as an `http-public-url`: `http://` or `https://`, a safe authority, an
    /// optional path of RFC 3986 unreserved characters and `/`, no query or fragment; nil
    /// for anything else.
    static func publicBase(_ text: String) -> URL? {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"),
            let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.query == nil, url.fragment == nil, url.user == nil
        else { return nil }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let pathCharacters = path.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "/": true
            default: false
            }
        }
        guard isSafeAuthority(String(authority)), pathCharacters else { return nil }
        return url
    }

    private static func host(_ authority: String?, fallback: String) -> String {
        authority.flatMap { isSafeAuthority($0) ? $0 : nil } ?? fallback
    }

    /// RFC 3986 §3.2 authority characters only (no user info, no path, no quotes).
    static func isSafeAuthority(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 255
            && text.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "-", ".", ":", "[", "]", "_", "~": true
                default: false
                }
            }
    }
}
