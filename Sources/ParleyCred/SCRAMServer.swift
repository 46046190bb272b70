import ParleyCore

/// The server side of a SCRAM exchange (RFC 5802 §5, RFC 7677) as a pure state machine:
/// feed it the client's messages and the answers to its requests; it returns an action
/// for the protocol adapter to carry out. It never runs PBKDF2: it works from the stored
/// record (salt, iterations, StoredKey, ServerKey).
///
///     var server = SCRAMServer(algorithm: .sha256)
///     server.receiveClientFirst(bytes)     // → .fetchRecord(user)
///     server.receiveRecord(record)         // → .challenge(server-first)
///     server.receiveClientFinal(bytes)     // → .verify(proof): call portal.login(proof)
///     server.receiveVerification(result)   // → .succeed(serverFinal: "v=…")
///
/// An unknown user gets a fake but stable salt and the usual iteration count, so that the
/// exchange looks the same as for a real account until it fails with `e=invalid-proof`.
public struct SCRAMServer: Sendable {
    /// What the adapter should do next.
    public enum Action: Sendable, Hashable {
        /// Look up the SCRAM record of this user (`Portal.scramRecord(for:algorithm:)`)
        /// and pass the answer to `receiveRecord`.
        case fetchRecord(Username)
        /// Send this server-first message as a SASL challenge.
        case challenge(String)
        /// Check these credentials (`Portal.login`) and pass the result to `receiveVerification`.
        case verify(SCRAMProof)
        /// Authentication succeeded: send the server-final message as the success data.
        case succeed(serverFinal: String)
        /// Authentication failed with `error` (its `condition` goes to the peer). After
        /// the client-final message, `serverFinal` is the `e=` message to send with it.
        case fail(CredentialError, serverFinal: String?)
    }

    /// Channel-binding data of the connection (RFC 5802 §6), for the `-PLUS` mechanisms.
    public struct ChannelBinding: Sendable, Hashable {
        /// The cb-name, e.g. `tls-exporter` or `tls-server-end-point`.
        public var type: String
        /// The binding data for this connection.
        public var data: [UInt8]

        public init(type: String, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    /// Parsed client-first message (RFC 5802 §5.1, §7).
    struct ClientFirst: Sendable {
        /// gs2-header bytes, for `c=` (RFC 5802 §6: cbind-input = gs2-header [cbind-data]).
        var channelBindingInput: [UInt8]
        /// The decoded `n=` name.
        var username: String
        /// client-first-message-bare, verbatim, for AuthMessage.
        var bare: String
        var clientNonce: String
    }

    /// After server-first was sent.
    struct Challenged: Sendable {
        var clientFirst: ClientFirst
        var record: SCRAMRecord
        var isFake: Bool
        var serverFirst: String
        var nonce: String
    }

    /// After client-final was checked syntactically, while the portal verifies the proof.
    struct Verifying: Sendable {
        var record: SCRAMRecord
        var isFake: Bool
        var authMessage: [UInt8]
    }

    enum State: Sendable {
        case initial
        case awaitingRecord(ClientFirst)
        case awaitingClientFinal(Challenged)
        case verifying(Verifying)
        case succeeded
        case failed
    }

    /// The hash of this exchange.
    public let algorithm: SCRAMAlgorithm
    private let channelBinding: ChannelBinding?
    private let unknownUserIterations: Int
    private let serverNonce: @Sendable () -> String
    private var state: State = .initial

    /// - Parameters:
    ///   - channelBinding: the connection's binding data when the `-PLUS` variant is
    ///     offered; nil when it is not (then `p=` is refused and `y` accepted).
    ///   - unknownUserIterations: the iteration count shown for unknown users; make it the
    ///     store's count so the two cannot be told apart.
    ///   - serverNonce: makes the server's part of the nonce; tests inject a fixed one.
    public init(
        algorithm: SCRAMAlgorithm, channelBinding: ChannelBinding? = nil,
        unknownUserIterations: Int = SCRAMRecord.defaultIterations,
        serverNonce: @escaping @Sendable () -> String = SCRAMServer.randomNonce
    ) {
        self.algorithm = algorithm
        self.channelBinding = channelBinding
        self.unknownUserIterations = unknownUserIterations
        self.serverNonce = serverNonce
    }

    /// A random nonce: 18 random bytes as 24 base64 characters (no "," and no padding).
    public static func randomNonce() -> String { SCRAMSyntax.randomNonce() }

    /// Whether the exchange has ended, in success or failure.
    public var isFinished: Bool {
        switch state {
        case .succeeded, .failed: true
        default: false
        }
    }

    // MARK: client-first (RFC 5802 §5.1, §7)

    /// The client's first message (the SASL initial response).
    public mutating func receiveClientFirst(_ message: [UInt8]) -> Action {
        guard case .initial = state else { return outOfOrder("client-first") }
        switch parseClientFirst(message) {
        case .failure(let error):
            state = .failed
            return .fail(error, serverFinal: nil)
        case .success(let first):
            guard let user = Username(first.username) else {
                // Cannot be an account: the same fake path as an unknown user.
                return challenge(first, record: nil)
            }
            state = .awaitingRecord(first)
            return .fetchRecord(user)
        }
    }

    /// The client's first message as text.
    public mutating func receiveClientFirst(_ message: String) -> Action {
        receiveClientFirst(Array(message.utf8))
    }

    private func parseClientFirst(_ message: [UInt8]) -> Result<ClientFirst, CredentialError> {
        guard message.count <= SCRAMSyntax.maximumMessageBytes else { return .failure(.malformedRequest("client-first too long")) }
        guard let text = Bytes.utf8String(message) else { return .failure(.malformedRequest("client-first is not UTF-8")) }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 4 else { return .failure(.malformedRequest("client-first has too few attributes")) }

        // gs2-header = gs2-cbind-flag "," [ authzid ] ","   (§7)
        var cbindData: [UInt8] = []
        switch fields[0] {
        case "n":
            break
        case "y":
            // §6: the client supports channel binding but thinks the server does not. If
            // the server does (it offers -PLUS), this is a downgrade: fail.
            if channelBinding != nil {
                return .failure(
                    .malformedRequest("client sent 'y' but the server offers channel binding (server-does-support-channel-binding)"))
            }
        default:
            guard let name = SCRAMSyntax.value(of: "p", in: fields[0]) else {
                return .failure(.malformedRequest("gs2 channel-binding flag '\(fields[0].prefix(16))' is not n, y or p=<name>"))
            }
            guard let binding = channelBinding else {
                return .failure(
                    .malformedRequest("channel binding '\(name.prefix(32))' requested but this connection has none (channel-binding-not-supported)"))
            }
            guard name == binding.type else {
                return .failure(
                    .malformedRequest("channel binding type '\(name.prefix(32))' is not '\(binding.type)' (unsupported-channel-binding-type)"))
            }
            cbindData = binding.data
        }
        var authzid: String?
        if !fields[1].isEmpty {
            guard let raw = SCRAMSyntax.value(of: "a", in: fields[1]), let name = SCRAMSyntax.unescape(raw) else {
                return .failure(.malformedRequest("malformed authzid (invalid-username-encoding)"))
            }
            authzid = name
        }
        let headerLength = fields[0].utf8.count + fields[1].utf8.count + 2
        let header = Array(message[0..<headerLength])
        let bareFields = fields[2...]
        let bare = bareFields.joined(separator: ",")

        // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
        if SCRAMSyntax.value(of: "m", in: bareFields[bareFields.startIndex]) != nil {
            return .failure(.malformedRequest("mandatory extension m= is not supported (extensions-not-supported)"))
        }
        guard let rawName = SCRAMSyntax.value(of: "n", in: bareFields[bareFields.startIndex]) else {
            return .failure(.malformedRequest("client-first has no n= user name"))
        }
        guard let username = SCRAMSyntax.unescape(rawName) else {
            return .failure(.malformedRequest("user name is empty or badly escaped (invalid-username-encoding)"))
        }
        guard let nonce = SCRAMSyntax.value(of: "r", in: bareFields[bareFields.startIndex + 1]),
            SCRAMSyntax.isValidNonce(nonce)
        else {
            return .failure(.malformedRequest("client-first has no valid r= nonce"))
        }
        for field in bareFields.dropFirst(2) where !SCRAMSyntax.isAttributeValue(field) {
            return .failure(.malformedRequest("malformed extension in client-first"))
        }
        if let authzid, Username(authzid) == nil || Username(authzid) != Username(username) {
            return .failure(.invalidAuthzid("authzid differs from the user name"))
        }
        return .success(
            ClientFirst(channelBindingInput: header + cbindData, username: username, bare: bare, clientNonce: String(nonce)))
    }

    // MARK: server-first (RFC 5802 §5.1)

    /// The record the portal found for the user (nil when it knows no such user).
    public mutating func receiveRecord(_ record: SCRAMRecord?) -> Action {
        guard case .awaitingRecord(let first) = state else { return outOfOrder("record") }
        guard record == nil || record?.algorithm == algorithm else {
            state = .failed
            return .fail(.temporaryFailure("record for \(record!.algorithm) given to a \(algorithm) exchange"), serverFinal: nil)
        }
        return challenge(first, record: record)
    }

    /// The outcome of the record lookup, failures included (a corrupt record: the
    /// exchange fails with the lookup's error, typically temporary-auth-failure).
    public mutating func receiveRecord(_ result: Result<SCRAMRecord?, CredentialError>) -> Action {
        switch result {
        case .success(let record):
            return receiveRecord(record)
        case .failure(let error):
            guard case .awaitingRecord = state else { return outOfOrder("record") }
            state = .failed
            return .fail(error, serverFinal: nil)
        }
    }

    private mutating func challenge(_ first: ClientFirst, record: SCRAMRecord?) -> Action {
        let suffix = serverNonce()
        guard SCRAMSyntax.isValidNonce(suffix[...]) else {
            state = .failed
            return .fail(.temporaryFailure("server nonce generator produced an invalid nonce"), serverFinal: nil)
        }
        let used = record ?? .fake(for: first.username, algorithm: algorithm, iterations: unknownUserIterations)
        let nonce = first.clientNonce + suffix
        // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
        let serverFirst = "r=\(nonce),s=\(Bytes.base64(used.salt)),i=\(used.iterations)"
        state = .awaitingClientFinal(
            Challenged(clientFirst: first, record: used, isFake: record == nil, serverFirst: serverFirst, nonce: nonce))
        return .challenge(serverFirst)
    }

    // MARK: client-final (RFC 5802 §5.1, §7)

    /// The client's final message.
    public mutating func receiveClientFinal(_ message: [UInt8]) -> Action {
        guard case .awaitingClientFinal(let challenged) = state else { return outOfOrder("client-final") }
        state = .failed
        guard message.count <= SCRAMSyntax.maximumMessageBytes, let text = Bytes.utf8String(message) else {
            return finalFailure(.malformedRequest("client-final is too long or not UTF-8"), .invalidEncoding)
        }
        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 3, let proofText = SCRAMSyntax.value(of: "p", in: fields[fields.count - 1]) else {
            return finalFailure(.malformedRequest("client-final does not end with p= proof"), .invalidEncoding)
        }
        guard let binding = SCRAMSyntax.value(of: "c", in: fields[0]) else {
            return finalFailure(.malformedRequest("client-final does not start with c="), .invalidEncoding)
        }
        guard let nonce = SCRAMSyntax.value(of: "r", in: fields[1]) else {
            return finalFailure(.malformedRequest("client-final has no r= nonce"), .invalidEncoding)
        }
        for field in fields[2..<(fields.count - 1)] where !SCRAMSyntax.isAttributeValue(field) {
            return finalFailure(.malformedRequest("malformed extension in client-final"), .invalidEncoding)
        }
        // §6: c= is base64(cbind-input); it must be exactly the gs2 header (plus cbind data).
        guard let cbind = Bytes.decodeBase64(binding) else {
            return finalFailure(.malformedRequest("c= is not base64"), .invalidEncoding)
        }
        guard cbind == challenged.clientFirst.channelBindingInput else {
            return finalFailure(.malformedRequest("c= does not match the gs2 header"), .channelBindingsDontMatch)
        }
        // §5.1: the nonce must be the one sent in server-first.
        guard nonce == challenged.nonce else {
            return finalFailure(.malformedRequest("r= is not the nonce of this exchange"), .otherError)
        }
        guard let proof = Bytes.decodeBase64(proofText) else {
            return finalFailure(.malformedRequest("p= is not base64"), .invalidEncoding)
        }
        guard proof.count == algorithm.digestByteCount else {
            return finalFailure(.malformedRequest("p= has the wrong length"), .invalidProof)
        }
        // §3: AuthMessage = client-first-message-bare + "," + server-first-message + ","
        //                   + client-final-message-without-proof
        let withoutProof = text.utf8.dropLast(proofText.utf8.count + 3)
        var authMessage = Array(challenged.clientFirst.bare.utf8)
        authMessage.append(UInt8(ascii: ","))
        authMessage += challenged.serverFirst.utf8
        authMessage.append(UInt8(ascii: ","))
        authMessage += withoutProof
        state = .verifying(Verifying(record: challenged.record, isFake: challenged.isFake, authMessage: authMessage))
        return .verify(
            SCRAMProof(
                username: challenged.clientFirst.username, algorithm: algorithm, authMessage: authMessage,
                clientProof: proof))
    }

    /// The client's final message as text.
    public mutating func receiveClientFinal(_ message: String) -> Action {
        receiveClientFinal(Array(message.utf8))
    }

    // MARK: server-final (RFC 5802 §5.1)

    /// What the portal said about the proof.
    public mutating func receiveVerification(_ result: Result<Username, CredentialError>) -> Action {
        guard case .verifying(let verifying) = state else { return outOfOrder("verification") }
        state = .failed
        switch result {
        case .success where !verifying.isFake:
            state = .succeeded
            // server-final-message = verifier; verifier = "v=" base64(ServerSignature)
            let signature = verifying.record.serverSignature(authMessage: verifying.authMessage)
            return .succeed(serverFinal: "v=\(Bytes.base64(signature))")
        case .success(let user):
            return finalFailure(.temporaryFailure("a checker accepted '\(user)' without a SCRAM record"), .otherError)
        case .failure(let error) where error.condition == .notAuthorized:
            // Unknown user and wrong password look the same on the wire.
            return finalFailure(error, .invalidProof)
        case .failure(let error):
            return finalFailure(error, .otherError)
        }
    }

    private func finalFailure(_ error: CredentialError, _ code: SCRAMServerError) -> Action {
        .fail(error, serverFinal: code.serverFinal)
    }

    private mutating func outOfOrder(_ what: String) -> Action {
        let finished = isFinished
        state = .failed
        return .fail(
            .malformedRequest(finished ? "\(what) after the exchange finished" : "\(what) out of order"),
            serverFinal: nil)
    }
}
