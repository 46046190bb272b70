import ParleyCred
import ParleyXML

/// Where a client-side SASL exchange (RFC 6120 §6.4) stands.
enum SASLExchange: Sendable {
    /// SCRAM (RFC 5802 §5): client-first is out, server-first comes as a challenge.
    case scramFirst(SCRAMClient)
    /// Client-final is out; server-final comes with `<success/>` or as a last challenge.
    case scramFinal(SCRAMClient)
    /// Server-final checked (it came as a challenge); only `<success/>` may follow.
    case scramVerified
    /// PLAIN (RFC 4616) is out; `<success/>` or `<failure/>` follows.
    case plain
}

extension XMPPClientState {
    /// §6.3.3: the mechanism we prefer among those offered: SCRAM-SHA-256, SCRAM-SHA-1
    /// (RFC 7677, RFC 5802; no -PLUS: we do no channel binding), then PLAIN when the stream
    /// is encrypted or the settings allow it in the clear.
    static func mechanism(offered: [String], secure: Bool, allowPlainWithoutTLS: Bool) -> String? {
        let upper = Set(offered.map { $0.uppercased() })
        for algorithm in SCRAMAlgorithm.preferenceOrder where upper.contains(algorithm.mechanismName) {
            return algorithm.mechanismName
        }
        if upper.contains("PLAIN") && (secure || allowPlainWithoutTLS) { return "PLAIN" }
        return nil
    }

    mutating func startSASL(offered: [String]) -> [XMPPClientAction] {
        guard
            let mechanism = Self.mechanism(
                offered: offered, secure: isSecure, allowPlainWithoutTLS: settings.allowPlainWithoutTLS)
        else {
            let hint = offered.contains { $0.uppercased() == "PLAIN" } ? " (PLAIN is not used without TLS)" : ""
            return fail("no usable SASL mechanism among \(offered)\(hint)", retry: .longest)
        }
        let username = settings.jid.localpart ?? ""
        let initial: [UInt8]
        if let algorithm = SCRAMAlgorithm(mechanismName: mechanism) {
            var client: SCRAMClient
            if let clientNonce {
                client = SCRAMClient(algorithm: algorithm, username: username, password: settings.password, clientNonce: clientNonce)
            } else {
                client = SCRAMClient(algorithm: algorithm, username: username, password: settings.password)
            }
            initial = Array(client.clientFirst().utf8)
            phase = .authenticating(.scramFirst(client))
        } else {
            // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
            initial = [0] + Array(username.utf8) + [0] + Array(settings.password.utf8)
            phase = .authenticating(.plain)
        }
        let auth = XMLElement(
            name: "auth", namespace: XMPPNamespace.sasl, attributes: [XMLAttribute("mechanism", value: mechanism)],
            children: [.text(Self.encode(initial))])
        return [.send(auth)]
    }

    /// One element of the exchange: a challenge, success or failure (§6.4.3–§6.4.6).
    mutating func sasl(_ element: XMLElement, exchange: SASLExchange) -> [XMPPClientAction] {
        guard element.namespace == XMPPNamespace.sasl else {
            return fail("unexpected <\(element.name)> during authentication", retry: .backoff)
        }
        guard let data = Self.decode(element.text) else {
            return fail("the server's <\(element.name)> is not base64", retry: .backoff)
        }
        do throws(SCRAMClientError) {
            switch (element.name, exchange) {
            case ("challenge", .scramFirst(var client)):
                let final = try client.receiveServerFirst(String(decoding: data, as: UTF8.self))
                phase = .authenticating(.scramFinal(client))
                return [.send(Self.response(Array(final.utf8)))]
            case ("challenge", .scramFinal(var client)):
                // §6.4.6 allows server-final as a last challenge, answered by an empty response.
                try client.receiveServerFinal(String(decoding: data, as: UTF8.self))
                phase = .authenticating(.scramVerified)
                return [.send(Self.response([]))]
            case ("success", .scramFinal(var client)):
                // RFC 6120 §6.3.10: server-final as additional data with success; RFC 5802
                // §5: the client must check it, or the server has not proved it knows the keys.
                try client.receiveServerFinal(String(decoding: data, as: UTF8.self))
                return authenticated()
            case ("success", .scramVerified), ("success", .plain):
                return authenticated()
            case ("failure", _):
                let condition = element.elements.first { $0.name != "text" }?.name ?? "not-authorized"
                let text = element.firstChild(named: "text", namespace: XMPPNamespace.sasl)?.text
                return fail(
                    "authentication failed: \(condition)" + (text.map { " (\($0))" } ?? ""), retry: .longest)
            default:
                return fail("unexpected <\(element.name)> during authentication", retry: .backoff)
            }
        } catch {
            return fail("authentication failed: \(error)", retry: .longest)
        }
    }

    private static func response(_ bytes: [UInt8]) -> XMLElement {
        XMLElement(name: "response", namespace: XMPPNamespace.sasl, children: [.text(encode(bytes))])
    }

    /// §6.4.2: base64, with `=` for empty data.
    static func encode(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "=" : SASLEncoding.base64(bytes)
    }

    /// §6.4.2: base64 (`=` or nothing for empty data); nil when it is not.
    static func decode(_ text: String) -> [UInt8]? {
        let trimmed = text.filter { !$0.isWhitespace }
        if trimmed.isEmpty || trimmed == "=" { return [] }
        return SASLEncoding.decodeBase64(trimmed)
    }
}
