import ParleyCred

/// The client side of SCRAM-SHA-256 in XMPP's base64 framing, over ParleyCred's client.
struct SCRAMTestClient {
    var client: SCRAMClient

    init(user: String, password: String) {
        client = SCRAMClient(algorithm: .sha256, username: user, password: password)
    }

    mutating func clientFirst() -> String {
        SASLEncoding.base64(Array(client.clientFirst().utf8))
    }

    mutating func clientFinal(_ challenge: String) throws -> String {
        let serverFirst = String(decoding: SASLEncoding.decodeBase64(challenge) ?? [], as: UTF8.self)
        return SASLEncoding.base64(Array(try client.receiveServerFirst(serverFirst).utf8))
    }

    mutating func verify(serverFinal: String) throws -> Bool {
        let text = String(decoding: SASLEncoding.decodeBase64(serverFinal) ?? [], as: UTF8.self)
        try client.receiveServerFinal(text)
        return true
    }
}
