import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

@Suite("SCRAM: failure paths")
struct SCRAMFailureTests {
    static let portalAccounts = [("alice", "correct horse"), ("bob", "battery staple")]

    func makePortal() throws -> Portal<TestRealm> {
        Portal(
            realm: TestRealm(), checkers: [try InMemoryChecker(accounts: Self.portalAccounts, iterations: testIterations)])
    }

    /// A server that has answered `clientFirst` for an existing user `user` with `record`.
    func challenged(
        _ clientFirst: String = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", channelBinding: SCRAMServer.ChannelBinding? = nil
    ) throws -> SCRAMServer {
        var server = SCRAMServer(algorithm: .sha1, channelBinding: channelBinding, serverNonce: { "3rfcNHYJY1ZVvWVs7j" })
        #expect(server.receiveClientFirst(clientFirst) == .fetchRecord(user("user")))
        guard case .challenge = server.receiveRecord(try RFCVector.rfc5802.record()) else {
            Issue.record("no challenge")
            return server
        }
        return server
    }

    func expectFailure(
        _ action: SCRAMServer.Action, serverFinal: String?, detail: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .fail(let error, let final) = action else {
            Issue.record("expected failure, got \(action)", sourceLocation: sourceLocation)
            return
        }
        #expect(final == serverFinal, sourceLocation: sourceLocation)
        #expect(error.logDescription.contains(detail), "\(error.logDescription)", sourceLocation: sourceLocation)
    }

    @Test("a wrong password fails with e=invalid-proof and not-authorized")
    func wrongPassword() async throws {
        var client = SCRAMClient(algorithm: .sha256, username: "alice", password: "wrong horse")
        let (final, clientError) = try await runSCRAM(client: &client, portal: makePortal(), mind: "m")
        #expect(final == .fail(.wrongPassword(user("alice")), serverFinal: "e=invalid-proof"))
        #expect(clientError == .serverError("invalid-proof"))
    }

    @Test("an unknown user looks like a known one on the wire, then fails the same way")
    func unknownUserIndistinguishable() async throws {
        let portal = try makePortal()
        func serverFirst(_ name: String) async throws -> String {
            var server = SCRAMServer(algorithm: .sha256, unknownUserIterations: testIterations, serverNonce: { "SERVER" })
            var action = server.receiveClientFirst("n,,n=\(name),r=CLIENT")
            if case .fetchRecord(let user) = action {
                action = server.receiveRecord(try await portal.scramRecord(for: user, algorithm: .sha256))
            }
            guard case .challenge(let message) = action else { throw CredentialError.aborted }
            return message
        }
        let known = try await serverFirst("alice")
        let unknown = try await serverFirst("mallory")
        let shape = /r=CLIENTSERVER,s=([A-Za-z0-9+\/=]+),i=(\d+)/
        let knownMatch = try #require(known.wholeMatch(of: shape))
        let unknownMatch = try #require(unknown.wholeMatch(of: shape))
        #expect(knownMatch.2 == unknownMatch.2)  // same iteration count
        #expect(knownMatch.1.count == unknownMatch.1.count)  // same salt length
        #expect(knownMatch.1 != unknownMatch.1)
        // The fake salt is stable: asking twice does not reveal that the account is fake.
        #expect(try await serverFirst("mallory") == unknown)
        #expect(try await serverFirst("mallory2") != unknown)

        var client = SCRAMClient(algorithm: .sha256, username: "mallory", password: "anything")
        let (final, clientError) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        #expect(final == .fail(.unknownUser("mallory"), serverFinal: "e=invalid-proof"))
        #expect(clientError == .serverError("invalid-proof"))
        guard case .fail(let error, _) = final else { return }
        #expect(error.condition == CredentialError.wrongPassword(user("alice")).condition)
    }

    @Test("a name that cannot be a user name takes the unknown-user path without a lookup")
    func impossibleName() throws {
        var server = SCRAMServer(algorithm: .sha1, unknownUserIterations: 4096, serverNonce: { "S" })
        guard case .challenge(let message) = server.receiveClientFirst("n,,n=a@b,r=C") else {
            Issue.record("expected a challenge")
            return
        }
        #expect(message.hasPrefix("r=CS,s="))
        #expect(message.hasSuffix(",i=4096"))
    }

    @Test("a tampered nonce in client-final fails")
    func tamperedNonce() throws {
        var server = try challenged()
        let tampered = RFCVector.rfc5802.clientFinal.replacingOccurrences(of: "7j,p=", with: "7k,p=")
        expectFailure(server.receiveClientFinal(tampered), serverFinal: "e=other-error", detail: "nonce")
        #expect(server.isFinished)
    }

    @Test("a nonce that only repeats the client's part fails")
    func truncatedNonce() throws {
        var server = try challenged()
        expectFailure(
            server.receiveClientFinal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
            serverFinal: "e=other-error", detail: "nonce")
    }

    @Test("a tampered proof fails verification in the checker")
    func tamperedProof() async throws {
        var server = try challenged()
        let action = server.receiveClientFinal(
            RFCVector.rfc5802.clientFinal.replacingOccurrences(of: "p=v0X8", with: "p=v1X8"))
        guard case .verify(let proof) = action else {
            Issue.record("expected verify, got \(action)")
            return
        }
        #expect(try !RFCVector.rfc5802.record().verify(clientProof: proof.clientProof, authMessage: proof.authMessage))
    }

    @Test("channel binding: p= without binding data is refused")
    func channelBindingNotSupported() {
        var server = SCRAMServer(algorithm: .sha256)
        expectFailure(
            server.receiveClientFirst("p=tls-exporter,,n=user,r=abc"), serverFinal: nil,
            detail: "channel-binding-not-supported")
        #expect(server.isFinished)
    }

    @Test("channel binding: 'y' when the server offers binding is a downgrade")
    func channelBindingDowngrade() {
        var server = SCRAMServer(
            algorithm: .sha256, channelBinding: .init(type: "tls-exporter", data: [1, 2, 3]))
        expectFailure(
            server.receiveClientFirst("y,,n=user,r=abc"), serverFinal: nil, detail: "server-does-support-channel-binding")
    }

    @Test("channel binding: 'y' is accepted when the server has none")
    func channelBindingY() {
        var server = SCRAMServer(algorithm: .sha256)
        #expect(server.receiveClientFirst("y,,n=user,r=abc") == .fetchRecord(user("user")))
    }

    @Test("channel binding: another type is refused")
    func channelBindingWrongType() {
        var server = SCRAMServer(algorithm: .sha256, channelBinding: .init(type: "tls-exporter", data: [1]))
        expectFailure(
            server.receiveClientFirst("p=tls-unique,,n=user,r=abc"), serverFinal: nil,
            detail: "unsupported-channel-binding-type")
    }

    @Test("channel binding: c= must carry the gs2 header and the binding data")
    func channelBindingData() throws {
        let binding = SCRAMServer.ChannelBinding(type: "tls-exporter", data: [9, 8, 7])
        var good = try challenged("p=tls-exporter,,n=user,r=fyko", channelBinding: binding)
        let input = Array("p=tls-exporter,,".utf8) + [9, 8, 7]
        let nonce = "fyko3rfcNHYJY1ZVvWVs7j"
        let proof = Bytes.base64([UInt8](repeating: 0, count: 20))
        guard case .verify = good.receiveClientFinal("c=\(Bytes.base64(input)),r=\(nonce),p=\(proof)") else {
            Issue.record("binding with the right data should reach verification")
            return
        }
        var bad = try challenged("p=tls-exporter,,n=user,r=fyko", channelBinding: binding)
        expectFailure(
            bad.receiveClientFinal("c=\(Bytes.base64(Array("p=tls-exporter,,".utf8) + [1])),r=\(nonce),p=\(proof)"),
            serverFinal: "e=channel-bindings-dont-match", detail: "gs2 header")
    }

    @Test("c= that is not the gs2 header fails")
    func wrongGS2InFinal() throws {
        var server = try challenged()
        // "eSws" is base64("y,,"): the client claims another flag than it sent.
        expectFailure(
            server.receiveClientFinal(RFCVector.rfc5802.clientFinal.replacingOccurrences(of: "c=biws", with: "c=eSws")),
            serverFinal: "e=channel-bindings-dont-match", detail: "gs2 header")
    }

    @Test(
        "malformed client-first messages are refused",
        arguments: [
            ("", "too few"),
            ("n,,n=user", "too few"),
            ("x,,n=user,r=abc", "channel-binding flag"),
            ("n,,r=abc,n=user", "no n="),
            ("n,,n=,r=abc", "invalid-username-encoding"),
            ("n,,n=us=er,r=abc", "invalid-username-encoding"),
            ("n,,n=user,r=", "nonce"),
            ("n,,n=user,r=a b", "nonce"),
            ("n,,n=user,x=abc", "nonce"),
            ("n,,m=ext,n=user,r=abc", "extensions-not-supported"),
            ("n,,n=user,r=abc,1=bad", "extension"),
            ("n,b=x,n=user,r=abc", "authzid"),
            ("n,a=,n=user,r=abc", "authzid"),
            ("n,a=bob,n=user,r=abc", "authzid differs"),
        ])
    func malformedClientFirst(message: String, detail: String) {
        var server = SCRAMServer(algorithm: .sha256)
        expectFailure(server.receiveClientFirst(message), serverFinal: nil, detail: detail)
    }

    @Test("an authzid equal to the user name is accepted")
    func matchingAuthzid() {
        var server = SCRAMServer(algorithm: .sha256)
        #expect(server.receiveClientFirst("n,a=User,n=user,r=abc") == .fetchRecord(user("user")))
    }

    @Test("oversized and non-UTF-8 messages are refused")
    func oversized() throws {
        var server = SCRAMServer(algorithm: .sha256)
        let long = "n,,n=" + String(repeating: "a", count: 5000) + ",r=abc"
        expectFailure(server.receiveClientFirst(long), serverFinal: nil, detail: "too long")
        var second = SCRAMServer(algorithm: .sha256)
        expectFailure(
            second.receiveClientFirst(Array("n,,n=".utf8) + [0xFF, 0xFE] + Array(",r=abc".utf8)), serverFinal: nil,
            detail: "UTF-8")
    }

    @Test(
        "malformed client-final messages are refused",
        arguments: [
            ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j", "p= proof", "e=invalid-encoding"),
            ("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,c=biws,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "c=", "e=invalid-encoding"),
            ("c=biws,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "p= proof", "e=invalid-encoding"),
            ("c=bi!s,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "base64", "e=invalid-encoding"),
            ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4T", "base64", "e=invalid-encoding"),
            ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=AAAA", "length", "e=invalid-proof"),
            ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "extension", "e=invalid-encoding"),
        ])
    func malformedClientFinal(message: String, detail: String, serverFinal: String) throws {
        var server = try challenged()
        expectFailure(server.receiveClientFinal(message), serverFinal: serverFinal, detail: detail)
    }

    @Test("extensions in client-final are allowed and covered by the proof")
    func finalExtension() throws {
        var server = try challenged()
        let action = server.receiveClientFinal(
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,x=ext,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
        guard case .verify(let proof) = action else {
            Issue.record("expected verify, got \(action)")
            return
        }
        #expect(String(decoding: proof.authMessage, as: UTF8.self).hasSuffix(",x=ext"))
        // The RFC proof was computed without the extension, so it no longer verifies.
        #expect(try !RFCVector.rfc5802.record().verify(clientProof: proof.clientProof, authMessage: proof.authMessage))
    }

    @Test("a finished exchange cannot be replayed")
    func replayAfterSuccess() throws {
        var server = try challenged()
        guard case .verify = server.receiveClientFinal(RFCVector.rfc5802.clientFinal) else {
            Issue.record("expected verify")
            return
        }
        #expect(server.receiveVerification(.success(user("user"))) == .succeed(serverFinal: RFCVector.rfc5802.serverFinal))
        expectFailure(server.receiveClientFinal(RFCVector.rfc5802.clientFinal), serverFinal: nil, detail: "after the exchange finished")
        expectFailure(server.receiveClientFirst(RFCVector.rfc5802.clientFirst), serverFinal: nil, detail: "after the exchange finished")
        expectFailure(server.receiveVerification(.success(user("user"))), serverFinal: nil, detail: "after the exchange finished")
    }

    @Test("replaying a recorded client-final against a new exchange fails: the server nonce differs")
    func replayAcrossExchanges() async throws {
        let portal = try makePortal()
        var client = SCRAMClient(algorithm: .sha256, username: "alice", password: "correct horse", clientNonce: "fixed")
        var first = SCRAMServer(algorithm: .sha256)
        guard case .fetchRecord(let name) = first.receiveClientFirst(client.clientFirst()),
            case .challenge(let serverFirst) = first.receiveRecord(try await portal.scramRecord(for: name, algorithm: .sha256))
        else {
            Issue.record("setup")
            return
        }
        let recordedFinal = try client.receiveServerFirst(serverFirst)

        var second = SCRAMServer(algorithm: .sha256)
        _ = second.receiveClientFirst("n,,n=alice,r=fixed")
        _ = second.receiveRecord(try await portal.scramRecord(for: user("alice"), algorithm: .sha256))
        expectFailure(second.receiveClientFinal(recordedFinal), serverFinal: "e=other-error", detail: "nonce")
    }

    @Test("messages out of order are refused")
    func outOfOrder() {
        var server = SCRAMServer(algorithm: .sha256)
        expectFailure(server.receiveClientFinal("c=biws,r=a,p=AAAA"), serverFinal: nil, detail: "out of order")
        var other = SCRAMServer(algorithm: .sha256)
        expectFailure(other.receiveRecord(nil), serverFinal: nil, detail: "out of order")
    }

    @Test("a record lookup failure ends the exchange with its error")
    func recordFailure() {
        var server = SCRAMServer(algorithm: .sha256)
        _ = server.receiveClientFirst("n,,n=user,r=abc")
        #expect(
            server.receiveRecord(.failure(.temporaryFailure("corrupt")))
                == .fail(.temporaryFailure("corrupt"), serverFinal: nil))
    }

    @Test("a record of the other algorithm is refused")
    func recordAlgorithmMismatch() throws {
        var server = SCRAMServer(algorithm: .sha256)
        _ = server.receiveClientFirst("n,,n=user,r=abc")
        expectFailure(server.receiveRecord(try RFCVector.rfc5802.record()), serverFinal: nil, detail: "record for")
    }

    @Test("a fake record never succeeds, even if a checker were to accept the proof")
    func fakeNeverSucceeds() {
        var server = SCRAMServer(algorithm: .sha256, serverNonce: { "S" })
        _ = server.receiveClientFirst("n,,n=ghost,r=C")
        guard case .challenge = server.receiveRecord(nil) else {
            Issue.record("expected challenge")
            return
        }
        let proof = Bytes.base64([UInt8](repeating: 0, count: 32))
        guard case .verify = server.receiveClientFinal("c=biws,r=CS,p=\(proof)") else {
            Issue.record("expected verify")
            return
        }
        expectFailure(server.receiveVerification(.success(user("ghost"))), serverFinal: "e=other-error", detail: "without a SCRAM record")
    }

    @Test("the client refuses malformed or hostile server messages")
    func clientRefusals() throws {
        func client() -> SCRAMClient {
            var client = SCRAMClient(algorithm: .sha1, username: "user", password: "pencil", clientNonce: "abc")
            _ = client.clientFirst()
            return client
        }
        var a = client()
        #expect(throws: SCRAMClientError.nonceMismatch) { try a.receiveServerFirst("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096") }
        var b = client()
        #expect(throws: SCRAMClientError.nonceMismatch) { try b.receiveServerFirst("r=abc,s=QSXCR+Q6sek8bf92,i=4096") }
        var c = client()
        #expect(throws: SCRAMClientError.iterationsOutOfRange(100_000_000)) {
            try c.receiveServerFirst("r=abcd,s=QSXCR+Q6sek8bf92,i=100000000")
        }
        var d = client()
        #expect(throws: SCRAMClientError.malformedServerMessage("no valid s=")) {
            try d.receiveServerFirst("r=abcd,s=***,i=4096")
        }
        var e = client()
        #expect(throws: SCRAMClientError.malformedServerMessage("mandatory extension not supported")) {
            try e.receiveServerFirst("m=x,r=abcd,s=QSXCR+Q6sek8bf92,i=4096")
        }
        var f = SCRAMClient(algorithm: .sha1, username: "user", password: "pencil")
        #expect(throws: SCRAMClientError.outOfOrder("server-first")) { try f.receiveServerFirst("r=a,s=AA==,i=4096") }
    }
}
