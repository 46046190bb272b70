import Foundation
import ParleyXML

/// One STUN or TURN service the server announces (XEP-0215 §3: `<service type host port
/// transport/>`), configured as `type:host:port[:transport]`, for example
/// `turn:turn.example.org:3478:udp`.
public struct ExternalService: Sendable, Equatable {
    public var type: String
    public var host: String
    public var port: Int
    /// `udp` or `tcp`; nil leaves it to the client.
    public var transport: String?

    public static let namespace = "urn:xmpp:extdisco:2"
    /// The types whose credentials come from the shared TURN secret.
    public static let restrictedTypes: Set<String> = ["turn", "turns"]

    public init(type: String, host: String, port: Int, transport: String? = nil) {
        self.type = type
        self.host = host
        self.port = port
        self.transport = transport
    }

    /// `type:host:port[:transport]`; nil when it is not one (an IPv6 host is written in brackets).
    public init?(configured text: String) {
        var rest = Substring(text)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let type = String(rest[..<colon])
        rest = rest[rest.index(after: colon)...]
        let host: String
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...].drop { $0 == ":" }
        } else {
            guard let next = rest.firstIndex(of: ":") else { return nil }
            host = String(rest[..<next])
            rest = rest[rest.index(after: next)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard ["stun", "stuns", "turn", "turns"].contains(type), !host.isEmpty, (1...2).contains(parts.count),
            let port = Int(parts[0]), (1...65535).contains(port)
        else { return nil }
        let transport = parts.count == 2 ? String(parts[1]) : nil
        if let transport, !["udp", "tcp"].contains(transport) { return nil }
        self.init(type: type, host: host, port: port, transport: transport)
    }

    /// §3.1: the element, with credentials for a restricted service when there are some.
    public func element(username: String? = nil, password: String? = nil, expires: Date? = nil) -> XMLElement {
        var element = XMLElement(
            name: "service", namespace: Self.namespace,
            attributes: [
                XMLAttribute("type", value: type), XMLAttribute("host", value: host), XMLAttribute("port", value: String(port)),
            ])
        element[attribute: "transport"] = transport
        if let username, let password {
            element[attribute: "username"] = username
            element[attribute: "password"] = password
            element[attribute: "restricted"] = "1"
            element[attribute: "expires"] = expires.map(XMPPDateTime.string(from:))
        }
        return element
    }
}
