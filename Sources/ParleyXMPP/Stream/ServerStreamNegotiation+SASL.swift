import Foundation
import ParleyCore
import ParleyCred
import ParleyXML

/// SASL (RFC 6120 §6.4): PLAIN, ANONYMOUS and SCRAM, with the portal reached through
/// `.fetchSCRAMRecord` and `.checkCredentials` actions since it is asynchronous.
extension ServerStreamNegotiation {
    mutating func authenticate(_ element: XMLElement) -> [Action] {
        guard case .negotiating(let negotiating) = state else {
            return close(StreamError(.policyViolation, text: "authentication is not expected now"))
        }
        let failures = negotiating.authFailures
        guard secure || !configuration.requireTLS else {
            return fail(.encryptionRequired("STARTTLS first"), failures: failures)
        }
        let mechanism = element[attribute: "mechanism"] ?? ""
        guard offeredMechanisms.contains(mechanism) else {
            // §6.5.4: a mechanism refused only because the transport is clear.
            let overTLS = configuration.mechanismsOverTLS.contains(mechanism)
            return fail(!secure && overTLS ? .encryptionRequired(mechanism) : .invalidMechanism(mechanism), failures: failures)
        }
        // §6.4.2: the initial response is base64; "=" is an empty one.
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let initial = text == "=" ? [] : SASLEncoding.decodeBase64(text) else {
            return fail(.malformedRequest("initial response is not base64"), condition: .incorrectEncoding, failures: failures)
        }
        switch mechanism {
        case "PLAIN":
            do throws(CredentialError) {
                let credentials = try plainCredentials(initial)
                state = .authenticating(Authenticating(authFailures: failures, step: .checking(nil)))
                return [.checkCredentials(credentials)]
            } catch {
                return fail(error, failures: failures)
            }
        case "ANONYMOUS":
            do {
                let credentials = try SASLAnonymous(parsing: initial).credentials
                state = .authenticating(Authenticating(authFailures: failures, step: .checking(nil)))
                return [.checkCredentials(credentials)]
            } catch {
                return fail(error.credentialError, failures: failures)
            }
        default:
            guard let algorithm = SCRAMAlgorithm.preferenceOrder.first(where: { $0.mechanismName == mechanism }) else {
                return fail(.invalidMechanism(mechanism), failures: failures)
            }
            var server = SCRAMServer(algorithm: algorithm)
            let action = server.receiveClientFirst(initial)
            return run(server, action, failures: failures)
        }
    }

    /// RFC 6120 §6.3.8: an authzid is a bare JID; one naming the authenticating account
    /// itself is the same as none.
    func plainCredentials(_ message: [UInt8]) throws(CredentialError) -> UsernamePassword {
        let plain: SASLPlain
        do {
            plain = try SASLPlain(parsing: message)
        } catch {
            throw error.credentialError
        }
        if let authzid = plain.authzid, authzid.contains("@") {
            guard let jid = JID(authzid), jid.domain == domain, jid.resource == nil,
                jid.localpart == Username(plain.authcid)?.value
            else { throw .invalidAuthzid("authzid \(authzid) is not the authenticating account") }
            return UsernamePassword(username: plain.authcid, password: plain.password)
        }
        return try plain.credentials()
    }

    /// The client's answer to a SCRAM challenge (§6.4.3).
    mutating func respond(_ element: XMLElement) -> [Action] {
        guard case .authenticating(let exchange) = state, case .challenged(var server) = exchange.step else {
            return close(StreamError(.policyViolation, text: "no SASL exchange in progress"))
        }
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = text.isEmpty ? [] : SASLEncoding.decodeBase64(text) else {
            return fail(.malformedRequest("response is not base64"), condition: .incorrectEncoding, failures: exchange.authFailures)
        }
        let action = server.receiveClientFinal(data)
        return run(server, action, failures: exchange.authFailures)
    }

    /// §6.4.4: the client gave up; not counted as a failed attempt.
    mutating func abort() -> [Action] {
        let failures: Int
        switch state {
        case .negotiating(let negotiating): failures = negotiating.authFailures
        case .authenticating(let exchange): failures = exchange.authFailures
        default: return close(StreamError(.policyViolation, text: "no SASL exchange in progress"))
        }
        return fail(.aborted, failures: failures)
    }

    /// The answer to `.fetchSCRAMRecord`.
    public mutating func receiveSCRAMRecord(_ result: Result<SCRAMRecord?, CredentialError>) -> [Action] {
        guard case .authenticating(let exchange) = state, case .fetchingRecord(var server) = exchange.step else { return [] }
        let action = server.receiveRecord(result)
        return run(server, action, failures: exchange.authFailures)
    }

    /// The answer to `.checkCredentials`.
    public mutating func receiveLogin(_ result: Result<Granted, CredentialError>) -> [Action] {
        guard case .authenticating(let exchange) = state, case .checking(let scram) = exchange.step else {
            // The stream closed meanwhile: the login is not used.
            if case .success = result { return [.refuseLogin] }
            return []
        }
        guard var server = scram else {
            switch result {
            case .success(let granted): return succeed(granted, serverFinal: nil)
            case .failure(let error): return fail(error, failures: exchange.authFailures)
            }
        }
        let action = server.receiveVerification(result.map(\.avatarID))
        switch (result, action) {
        case (.success(let granted), .succeed(let serverFinal)):
            return succeed(granted, serverFinal: serverFinal)
        case (.success, _):
            return [.refuseLogin] + run(server, action, failures: exchange.authFailures)
        case (.failure, _):
            return run(server, action, failures: exchange.authFailures)
        }
    }

    /// Carries a SCRAM action over into the stream's state and actions.
    mutating func run(_ server: SCRAMServer, _ action: SCRAMServer.Action, failures: Int) -> [Action] {
        switch action {
        case .fetchRecord(let user):
            state = .authenticating(Authenticating(authFailures: failures, step: .fetchingRecord(server)))
            return [.fetchSCRAMRecord(user, server.algorithm)]
        case .challenge(let serverFirst):
            state = .authenticating(Authenticating(authFailures: failures, step: .challenged(server)))
            let challenge = XMLElement(
                name: "challenge", namespace: XMPPNamespace.sasl,
                children: [.text(SASLEncoding.base64(Array(serverFirst.utf8)))])
            return [.send(challenge)]
        case .verify(let proof):
            state = .authenticating(Authenticating(authFailures: failures, step: .checking(server)))
            return [.checkCredentials(proof)]
        case .succeed:
            // Only reachable through `.verify`, handled in `receiveLogin`.
            return fail(.temporaryFailure("SCRAM succeeded without a login"), failures: failures)
        case .fail(let error, _):
            // §6.4.5: a <failure/> carries no additional data.
            return fail(error, failures: failures)
        }
    }

    /// §6.4.6: success, then the stream restarts; the parser must forget the old stream
    /// before the client's new header can arrive.
    mutating func succeed(_ granted: Granted, serverFinal: String?) -> [Action] {
        state = .awaitingHeader(AwaitingHeader(account: granted.account, authFailures: 0))
        var success = XMLElement(name: "success", namespace: XMPPNamespace.sasl)
        if let serverFinal { success.append(text: SASLEncoding.base64(Array(serverFinal.utf8))) }
        return [.acceptLogin, .restartStream, .send(success)]
    }

    /// §6.5: the failure with its condition, after a delay against password guessing;
    /// the stream closes after too many.
    mutating func fail(_ error: CredentialError, condition: SASLCondition? = nil, failures: Int) -> [Action] {
        var failures = failures
        let counted: Bool
        if case .aborted = error { counted = false } else { counted = true }
        if counted { failures += 1 }
        state = .negotiating(Negotiating(authFailures: failures))
        var failure = XMLElement(name: "failure", namespace: XMPPNamespace.sasl)
        failure.append(XMLElement(name: (condition ?? error.condition).rawValue, namespace: XMPPNamespace.sasl))
        var actions: [Action] = [.authenticationFailed(error, delay: counted), .send(failure)]
        if failures >= configuration.maxAuthFailures {
            actions += close(StreamError(.policyViolation, text: "too many failed authentication attempts"))
        }
        return actions
    }
}
