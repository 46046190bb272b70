import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// Carries out the stream machine's actions: bytes on the connection's transport (TCP
/// stream, WebSocket messages or BOSH responses, `C2STransport`), TLS, the portal, the model. The negotiation itself is `ServerStreamNegotiation`'s.
extension C2SConnection {
    typealias Action = ServerStreamNegotiation.Action

    /// Runs `actions` in order; answers to asynchronous requests go back into the machine.
    func execute(_ actions: [Action]) async {
        for action in actions {
            switch action {
            case .fetchSCRAMRecord(let user, let algorithm):
                let portal = shared.portal
                let result = await Task.detached { () -> Result<SCRAMRecord?, CredentialError> in
                    do throws(CredentialError) {
                        return .success(try await portal.scramRecord(for: user, algorithm: algorithm))
                    } catch {
                        return .failure(error)
                    }
                }.value
                await execute(stream.receiveSCRAMRecord(result))
            case .checkCredentials(let credentials):
                let result = await portalLogin(credentials)
                switch result {
                case .success(let granted):
                    grantedLogin = granted
                    let account = ServerStreamNegotiation.Granted(avatarID: granted.avatarID, account: JID(granted.avatar.user))
                    await execute(stream.receiveLogin(.success(account)))
                case .failure(let error):
                    await execute(stream.receiveLogin(.failure(error)))
                }
            case .authenticationFailed(let error, let delay):
                log(.notice, "authentication failed", ["error": "\(error.logDescription)"])
                if delay { try? await Task.sleep(for: .milliseconds(Int(settings.authFailureDelay * 1000))) }
                guard !isClosed else { return }
            case .refuseLogin:
                let granted = grantedLogin
                grantedLogin = nil
                await granted?.logout()
            case .register(let iq):
                await handleRegistration(iq)
            case .bindResource(let iq, let resource):
                await bind(iq, resource: resource)
            case .refuseSession:
                let opened = openedSession
                openedSession = nil
                await opened?.session.close()
            case .stanza(let element):
                guard let session else { return }
                await route(element, session: session)
            case .endSession:
                await endSession()
            case .resumeSession(let element):
                await resume(element)
            case .acceptResumption:
                await acceptResumption()
            case .nonza(let element):
                if element.namespace == XMPPNamespace.clientState {
                    clientState(element)
                } else {
                    await streamManagement(element)
                }
            case .openStream, .send, .startTLS, .restartStream, .acceptLogin, .acceptSession, .closeStream:
                perform(action)
            }
        }
    }

    /// The actions that need no waiting, also run from synchronous paths (timers, errors).
    func perform(_ action: Action) {
        switch action {
        case .openStream(let id):
            lastWrite = .now()
            // The features follow at once.
            transport.writeOpening(id: id, domain: domain)
        case .send(let element):
            write(element)
        case .startTLS:
            guard let tls = shared.tls?.current else { return }
            // The proceed is on its way to the socket; everything after it is TLS.
            do {
                try transport.startTLS(tls)
            } catch {
                log(.error, "cannot start TLS", ["error": "\(error)"])
                transport.close()
            }
        case .restartStream:
            // Over WebSocket and BOSH each message is parsed alone: nothing to reset
            // (RFC 7395 §3.7, XEP-0206 §5).
            parser?.parser.reset()
        case .acceptLogin:
            login = grantedLogin
            grantedLogin = nil
            log(.info, "authenticated")
        case .acceptSession:
            guard let opened = openedSession else { return }
            openedSession = nil
            opened.mind.bind(JID(opened.session.id))
            session = opened.session
            mind = opened.mind
        case .closeStream(let error, let openFirst):
            guard !streamClosed else { return }
            streamClosed = true
            if let openFirst { transport.writeOpening(id: openFirst, domain: domain) }
            let errorBytes = error.map { error in
                var buffer = transport.allocator.buffer(capacity: 256)
                buffer.writeXML(error.element, inheritedNamespace: XMPPNamespace.client)
                return buffer
            }
            lastWrite = .now()
            transport.closeStream(after: errorBytes)
        case .fetchSCRAMRecord, .checkCredentials, .authenticationFailed, .refuseLogin, .register, .bindResource,
            .refuseSession, .stanza, .endSession, .resumeSession, .acceptResumption, .nonza:
            assertionFailure("\(action) needs `execute`")
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

    /// RFC 6120 §7: opens the model's session for the resource the machine chose.
    private func bind(_ iq: XMLElement, resource: String) async {
        guard let login else {
            await execute(stream.receiveBind(.refused(StanzaError(.notAuthorized))))
            return
        }
        let mind = C2SMind(
            transport: transport, codec: codec, connection: self, rooms: shared.rooms, sendQueue: settings.sendQueue,
            coalescer: shared.connections.coalescer(for: transport.eventLoop), maximumUnacknowledged: settings.maxUnacknowledged)
        do {
            let session = try await login.avatar.openSession(resource: resource, mind: mind)
            openedSession = (session, mind)
            await execute(stream.receiveBind(.bound(JID(session.id))))
        } catch {
            // §7.6.2.1: too many resources is resource-constraint.
            let condition: StanzaError.Condition = error == .tooManySessions ? .resourceConstraint : .notAllowed
            await execute(stream.receiveBind(.refused(StanzaError(condition, type: .wait))))
        }
    }
}
