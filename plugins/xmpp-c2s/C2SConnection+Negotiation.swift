import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// A SASL exchange in progress (RFC 6120 §6.4).
enum SASLExchange {
    case scram(SCRAMServer)
}

extension C2SConnection {
    /// Top-level elements before a resource is bound: STARTTLS, SASL, bind, registration.
    func negotiate(_ element: XMLElement) async {
        switch (element.namespace, element.name) {
        case (XMPPNamespace.tls, "starttls"):
            startTLS()
        case (XMPPNamespace.sasl, "auth"):
            await authenticate(element)
        case (XMPPNamespace.sasl, "response"):
            await respond(element)
        case (XMPPNamespace.sasl, "abort"):
            phase = .open
            await failAuthentication(.aborted)
        case (XMPPNamespace.client, "iq") where login != nil:
            await bind(element)
        case (XMPPNamespace.client, "iq") where element.firstChild(named: "query", namespace: XMPPNamespace.register) != nil:
            await handleRegistration(element)
        case (XMPPNamespace.client, _):
            // RFC 6120 §6.4.1 / §7.1: no stanzas before authentication and binding.
            closeStream(error: StreamError(.notAuthorized, text: "authenticate and bind a resource first"))
        default:
            closeStream(error: StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>"))
        }
    }

    // MARK: STARTTLS (RFC 6120 §5.4)

    private func startTLS() {
        guard !secure, login == nil, let tls = shared.tls else {
            // §5.4.2.2: failure, then the stream is closed.
            write(XMLElement(name: "failure", namespace: XMPPNamespace.tls))
            closeStream(error: nil)
            return
        }
        var proceed = channel.allocator.buffer(capacity: 64)
        proceed.writeXML(XMLElement(name: "proceed", namespace: XMPPNamespace.tls), inheritedNamespace: XMPPNamespace.client)
        writeRaw(proceed)
        // The proceed is on its way to the socket; everything after it is TLS.
        do {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        } catch {
            log(.error, "cannot start TLS", ["error": "\(error)"])
            channel.close(promise: nil)
            return
        }
        secure = true
        restartStream()
    }

    // MARK: SASL (RFC 6120 §6.4)

    private func authenticate(_ element: XMLElement) async {
        guard case .open = phase, login == nil else {
            closeStream(error: StreamError(.policyViolation, text: "authentication is not expected now"))
            return
        }
        guard secure || !settings.requireTLS else {
            await failAuthentication(.encryptionRequired("STARTTLS first"))
            return
        }
        let mechanism = element[attribute: "mechanism"] ?? ""
        guard offeredMechanisms.contains(mechanism) else {
            // §6.5.4: a mechanism refused only because the transport is clear.
            let overTLS = shared.portal.mechanisms(secureTransport: true).contains(mechanism)
            await failAuthentication(
                !secure && overTLS ? .encryptionRequired(mechanism) : .invalidMechanism(mechanism))
            return
        }
        // §6.4.2: the initial response is base64; "=" is an empty one.
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let initial = text == "=" ? [] : SASLEncoding.decodeBase64(text) else {
            await failAuthentication(.malformedRequest("initial response is not base64"), condition: .incorrectEncoding)
            return
        }
        switch mechanism {
        case "PLAIN":
            let credentials: UsernamePassword
            do throws(CredentialError) {
                credentials = try plainCredentials(initial)
            } catch {
                await failAuthentication(error)
                return
            }
            await finishLogin(credentials, serverFinal: nil)
        case "ANONYMOUS":
            do {
                await finishLogin(try SASLAnonymous(parsing: initial).credentials, serverFinal: nil)
            } catch {
                await failAuthentication(error.credentialError)
            }
        default:
            guard let algorithm = SCRAMAlgorithm.preferenceOrder.first(where: { $0.mechanismName == mechanism }) else {
                await failAuthentication(.invalidMechanism(mechanism))
                return
            }
            var server = SCRAMServer(algorithm: algorithm)
            await run(&server, server.receiveClientFirst(initial))
        }
    }

    /// RFC 6120 §6.3.8: an authzid is a bare JID; one naming the authenticating account
    /// itself is the same as none.
    private func plainCredentials(_ message: [UInt8]) throws(CredentialError) -> UsernamePassword {
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

    private func respond(_ element: XMLElement) async {
        guard case .authenticating(.scram(var server)) = phase else {
            closeStream(error: StreamError(.policyViolation, text: "no SASL exchange in progress"))
            return
        }
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = text.isEmpty ? [] : SASLEncoding.decodeBase64(text) else {
            phase = .open
            await failAuthentication(.malformedRequest("response is not base64"), condition: .incorrectEncoding)
            return
        }
        await run(&server, server.receiveClientFinal(data))
    }

    /// Carries out SCRAM actions until one needs the client again.
    private func run(_ server: inout SCRAMServer, _ first: SCRAMServer.Action) async {
        var action = first
        while true {
            switch action {
            case .fetchRecord(let user):
                let portal = shared.portal
                let algorithm = server.algorithm
                let result = await Task.detached { () -> Result<SCRAMRecord?, CredentialError> in
                    do throws(CredentialError) {
                        return .success(try await portal.scramRecord(for: user, algorithm: algorithm))
                    } catch {
                        return .failure(error)
                    }
                }.value
                action = server.receiveRecord(result)
            case .challenge(let serverFirst):
                phase = .authenticating(.scram(server))
                write(
                    XMLElement(
                        name: "challenge", namespace: XMPPNamespace.sasl,
                        children: [.text(SASLEncoding.base64(Array(serverFirst.utf8)))]))
                return
            case .verify(let proof):
                switch await portalLogin(proof) {
                case .success(let granted):
                    action = server.receiveVerification(.success(granted.avatarID))
                    if case .succeed(let serverFinal) = action {
                        succeed(granted, serverFinal: serverFinal)
                        return
                    }
                    await granted.logout()
                case .failure(let error):
                    action = server.receiveVerification(.failure(error))
                }
            case .succeed:
                // Only reachable through `.verify`, handled above.
                phase = .open
                await failAuthentication(.temporaryFailure("SCRAM succeeded without a login"))
                return
            case .fail(let error, let serverFinal):
                phase = .open
                await failAuthentication(error, serverFinal: serverFinal)
                return
            }
        }
    }

    private func portalLogin(_ credentials: any Credentials) async -> Result<Login<ChatAccount>, CredentialError> {
        // Checkers may read files and run PBKDF2: keep them off the event loop.
        let portal = shared.portal
        return await Task.detached { () -> Result<Login<ChatAccount>, CredentialError> in
            do throws(CredentialError) {
                return .success(try await portal.login(credentials))
            } catch {
                return .failure(error)
            }
        }.value
    }

    private func finishLogin(_ credentials: any Credentials, serverFinal: String?) async {
        switch await portalLogin(credentials) {
        case .success(let granted): succeed(granted, serverFinal: serverFinal)
        case .failure(let error): await failAuthentication(error)
        }
    }

    private func succeed(_ granted: Login<ChatAccount>, serverFinal: String?) {
        guard !isClosed else {
            Task { await granted.logout() }
            return
        }
        login = granted
        log(.info, "authenticated")
        var success = XMLElement(name: "success", namespace: XMPPNamespace.sasl)
        if let serverFinal { success.append(text: SASLEncoding.base64(Array(serverFinal.utf8))) }
        // §6.4.6: the stream restarts; the parser must forget the old one before the
        // client's new header can arrive.
        restartStream()
        write(success)
    }

    /// §6.5: the failure with its condition, after a delay against password guessing;
    /// the stream closes after too many.
    func failAuthentication(_ error: CredentialError, condition: SASLCondition? = nil, serverFinal: String? = nil)
        async
    {
        log(.notice, "authentication failed", ["error": "\(error.logDescription)"])
        if case .authenticating = phase { phase = .open }
        if case .aborted = error {} else {
            authFailures += 1
            try? await Task.sleep(for: .milliseconds(Int(settings.authFailureDelay * 1000)))
        }
        guard !isClosed else { return }
        var failure = XMLElement(name: "failure", namespace: XMPPNamespace.sasl)
        failure.append(XMLElement(name: (condition ?? error.condition).rawValue, namespace: XMPPNamespace.sasl))
        write(failure)
        if authFailures >= settings.maxAuthFailures {
            closeStream(error: StreamError(.policyViolation, text: "too many failed authentication attempts"))
        }
    }

    // MARK: Resource binding (RFC 6120 §7)

    private func bind(_ iq: XMLElement) async {
        guard let bindRequest = iq.firstChild(named: "bind", namespace: XMPPNamespace.bind), iq[attribute: "type"] == "set",
            let login
        else {
            if iq.firstChild(named: "session", namespace: XMPPNamespace.session) != nil {
                closeStream(error: StreamError(.notAuthorized, text: "bind a resource first"))
            } else {
                closeStream(error: StreamError(.notAuthorized, text: "bind a resource before sending stanzas"))
            }
            return
        }
        var requested: String?
        if let resource = bindRequest.firstChild(named: "resource", namespace: XMPPNamespace.bind) {
            // §7.7.2.1: an invalid resourcepart is bad-request.
            guard let jid = try? JID(parsing: "\(login.avatar.user)/\(resource.text)"), let name = jid.resource else {
                write(StanzaError(.badRequest, text: "invalid resource").reply(to: iq))
                return
            }
            requested = name
        }
        let mind = C2SMind(channel: channel, codec: codec, connection: self)
        do {
            let session = try await login.avatar.openSession(resource: requested ?? "parley-\(SASLEncoding.randomID(bytes: 6))", mind: mind)
            guard !isClosed else {
                await session.close()
                return
            }
            let jid = JID(session.id)
            mind.bind(jid)
            self.session = session
            self.mind = mind
            var result = XMLElement(
                name: "iq", namespace: XMPPNamespace.client,
                attributes: [XMLAttribute("type", value: "result"), XMLAttribute("id", value: iq[attribute: "id"] ?? "")])
            var bound = XMLElement(name: "bind", namespace: XMPPNamespace.bind)
            bound.append(text: jid.description, in: "jid", namespace: XMPPNamespace.bind)
            result.append(bound)
            write(result)
        } catch {
            // §7.6.2.1: too many resources is resource-constraint.
            let condition: StanzaError.Condition = error == .tooManySessions ? .resourceConstraint : .notAllowed
            write(StanzaError(condition, type: .wait).reply(to: iq))
        }
    }
}
