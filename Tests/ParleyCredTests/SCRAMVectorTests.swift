import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

/// The example exchanges of RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256).
struct RFCVector: Sendable, CustomTestStringConvertible {
    var algorithm: SCRAMAlgorithm
    var clientNonce: String
    var serverNonceSuffix: String
    var salt: String
    var clientFirst: String
    var serverFirst: String
    var clientFinal: String
    var serverFinal: String

    var testDescription: String { algorithm.mechanismName }

    static let rfc5802 = RFCVector(
        algorithm: .sha1, clientNonce: "fyko+d2lbbFgONRv9qkxdawL", serverNonceSuffix: "3rfcNHYJY1ZVvWVs7j",
        salt: "QSXCR+Q6sek8bf92",
        clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")

    static let rfc7677 = RFCVector(
        algorithm: .sha256, clientNonce: "rOprNGfwEbeRWgbNEkqO", serverNonceSuffix: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
        clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        clientFinal:
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")

    static let all = [rfc5802, rfc7677]

    func record() throws -> SCRAMRecord {
        try SCRAMRecord.derive(password: "pencil", salt: base64(salt), iterations: 4096, algorithm: algorithm)
    }

    func portal() throws -> Portal<TestRealm> {
        Portal(realm: TestRealm(), checkers: [try InMemoryChecker(accounts: [("user", "pencil")], iterations: 4096)])
    }
}

@Suite("SCRAM: RFC 5802 and RFC 7677 example exchanges")
struct SCRAMVectorTests {
    @Test("the server reproduces the example exchange byte for byte", arguments: RFCVector.all)
    func serverExchange(vector: RFCVector) throws {
        let suffix = vector.serverNonceSuffix
        var server = SCRAMServer(algorithm: vector.algorithm, serverNonce: { suffix })
        #expect(server.receiveClientFirst(vector.clientFirst) == .fetchRecord(user("user")))
        #expect(server.receiveRecord(try vector.record()) == .challenge(vector.serverFirst))
        let action = server.receiveClientFinal(vector.clientFinal)
        guard case .verify(let proof) = action else {
            Issue.record("expected .verify, got \(action)")
            return
        }
        let expectedAuthMessage = "n=user,r=\(vector.clientNonce),\(vector.serverFirst),"
            + vector.clientFinal.components(separatedBy: ",p=")[0]
        #expect(proof.username == "user")
        #expect(proof.algorithm == vector.algorithm)
        #expect(proof.authMessage == Array(expectedAuthMessage.utf8))
        #expect(Bytes.base64(proof.clientProof) == vector.clientFinal.components(separatedBy: ",p=")[1])
        // RFC 5802 §3: the stored record verifies the proof without the password.
        #expect(try vector.record().verify(clientProof: proof.clientProof, authMessage: proof.authMessage))
        #expect(server.receiveVerification(.success(user("user"))) == .succeed(serverFinal: vector.serverFinal))
        #expect(server.isFinished)
    }

    @Test("the client reproduces the example exchange byte for byte", arguments: RFCVector.all)
    func clientExchange(vector: RFCVector) throws {
        var client = SCRAMClient(
            algorithm: vector.algorithm, username: "user", password: "pencil", clientNonce: vector.clientNonce,
            cache: SaltedPasswordCache())
        #expect(client.clientFirst() == vector.clientFirst)
        #expect(try client.receiveServerFirst(vector.serverFirst) == vector.clientFinal)
        try client.receiveServerFinal(vector.serverFinal)
    }

    @Test("the client refuses a server signature that is not the example's", arguments: RFCVector.all)
    func clientRefusesForgedServer(vector: RFCVector) throws {
        var client = SCRAMClient(
            algorithm: vector.algorithm, username: "user", password: "pencil", clientNonce: vector.clientNonce,
            cache: SaltedPasswordCache())
        _ = client.clientFirst()
        _ = try client.receiveServerFirst(vector.serverFirst)
        let forged = "v=" + Bytes.base64([UInt8](repeating: 7, count: vector.algorithm.digestByteCount))
        #expect(throws: SCRAMClientError.serverSignatureMismatch) { try client.receiveServerFinal(forged) }
    }

    @Test("the example exchange runs through the portal and an in-memory checker", arguments: RFCVector.all)
    func throughPortal(vector: RFCVector) async throws {
        let portal = try vector.portal()
        let suffix = vector.serverNonceSuffix
        var server = SCRAMServer(algorithm: vector.algorithm, serverNonce: { suffix })
        guard case .fetchRecord(let name) = server.receiveClientFirst(vector.clientFirst) else {
            Issue.record("no record request")
            return
        }
        let record = try #require(await portal.scramRecord(for: name, algorithm: vector.algorithm))
        // The in-memory checker drew its own salt, so the server-first message differs from
        // the RFC's; the client computes the proof for whatever salt it gets.
        guard case .challenge(let serverFirst) = server.receiveRecord(record) else {
            Issue.record("no challenge")
            return
        }
        #expect(serverFirst.hasPrefix("r=\(vector.clientNonce)\(vector.serverNonceSuffix),s=\(Bytes.base64(record.salt)),i=4096"))
        var client = SCRAMClient(
            algorithm: vector.algorithm, username: "user", password: "pencil", clientNonce: vector.clientNonce,
            cache: SaltedPasswordCache())
        #expect(client.clientFirst() == vector.clientFirst)
        guard case .verify(let proof) = server.receiveClientFinal(try client.receiveServerFirst(serverFirst)) else {
            Issue.record("no proof")
            return
        }
        let login = try await portal.login(proof, mind: "m")
        #expect(login.avatarID == user("user"))
        guard case .succeed(let final) = server.receiveVerification(.success(login.avatarID)) else {
            Issue.record("no success")
            return
        }
        try client.receiveServerFinal(final)
    }

    @Test("Hi() matches the RFC 5802 example's derived keys")
    func derivedKeys() throws {
        let record = try RFCVector.rfc5802.record()
        // From the example: the ClientProof is ClientKey XOR HMAC(StoredKey, AuthMessage).
        let authMessage = Array(
            "n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
                .utf8)
        #expect(record.verify(clientProof: base64("v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="), authMessage: authMessage))
        #expect(Bytes.base64(record.serverSignature(authMessage: authMessage)) == "rmF9pqV8S7suAoZWja4dJRkFsKQ=")
        #expect(try record.matches(password: "pencil"))
        #expect(try !record.matches(password: "pencil2"))
    }

    @Test("the client caches SaltedPassword per password, salt and iterations (RFC 5802 §5)")
    func clientCache() throws {
        let cache = SaltedPasswordCache()
        for _ in 0..<3 {
            var client = SCRAMClient(
                algorithm: .sha1, username: "user", password: "pencil", clientNonce: RFCVector.rfc5802.clientNonce,
                cache: cache)
            _ = client.clientFirst()
            #expect(try client.receiveServerFirst(RFCVector.rfc5802.serverFirst) == RFCVector.rfc5802.clientFinal)
        }
        #expect(cache.statistics.misses == 1)
        #expect(cache.statistics.hits == 2)
        // Another password is another entry.
        var other = SCRAMClient(
            algorithm: .sha1, username: "user", password: "pencil!", clientNonce: RFCVector.rfc5802.clientNonce,
            cache: cache)
        _ = other.clientFirst()
        #expect(try other.receiveServerFirst(RFCVector.rfc5802.serverFirst) != RFCVector.rfc5802.clientFinal)
        #expect(cache.statistics.misses == 2)
    }

    @Test("client and server agree for both algorithms with random nonces", arguments: SCRAMAlgorithm.allCases)
    func clientAgainstServer(algorithm: SCRAMAlgorithm) async throws {
        let portal = Portal(
            realm: TestRealm(),
            checkers: [try InMemoryChecker(accounts: [("juliet", "r0me0, my r0meo=")], iterations: testIterations)])
        var client = SCRAMClient(algorithm: algorithm, username: "Juliet", password: "r0me0, my r0meo=")
        let (final, clientError) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        guard case .succeed = final else {
            Issue.record("expected success, got \(final)")
            return
        }
        #expect(clientError == nil)
    }

    @Test("saslname escaping: ',' and '=' in a user name survive the exchange")
    func escapedName() async throws {
        #expect(SCRAMSyntax.escape("a,b=c") == "a=2Cb=3Dc")
        #expect(SCRAMSyntax.unescape("a=2Cb=3Dc") == "a,b=c")
        #expect(SCRAMSyntax.unescape("a=2cb") == nil)
        #expect(SCRAMSyntax.unescape("a=") == nil)
        let portal = Portal(
            realm: TestRealm(), checkers: [try InMemoryChecker(accounts: [("a,b=c", "pw")], iterations: testIterations)])
        var client = SCRAMClient(algorithm: .sha256, username: "a,b=c", password: "pw")
        #expect(client.clientFirst().hasPrefix("n,,n=a=2Cb=3Dc,r="))
        var fresh = SCRAMClient(algorithm: .sha256, username: "a,b=c", password: "pw")
        let (final, _) = try await runSCRAM(client: &fresh, portal: portal, mind: "m")
        guard case .succeed = final else {
            Issue.record("expected success, got \(final)")
            return
        }
    }
}
