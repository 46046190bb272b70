import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// Carries out the stream machine's actions: bytes in the connection's framing (TCP
/// stream or WebSocket messages, `C2SFraming`), TLS, the portal, the model. The negotiation itself is `ServerStreamNegotiation`'s.
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
            framing.write(framing.opening(id: id, domain: domain, allocator: channel.allocator), on: channel)
        case .send(let element):
            write(element)
        case .startTLS:
            guard let tls = shared.tls?.current else { return }
            // The proceed is on its way to the socket; everything after it is TLS.
            do {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
            } catch {
                log(.error, "cannot start TLS", ["error": "\(error)"])
                channel.close(promise: nil)
            }
        case .restartStream:
            // Over WebSocket each message is parsed alone: nothing to reset (RFC 7395 §3.7).
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
            if let openFirst {
                framing.write(framing.opening(id: openFirst, domain: domain, allocator: channel.allocator), on: channel)
            }
            if let error {
                // RFC 7395 §3.5: over WebSocket the error is a message of its own, then <close/>.
                var buffer = channel.allocator.buffer(capacity: 256)
                buffer.writeXML(error.element, inheritedNamespace: XMPPNamespace.client)
                framing.write(buffer, on: channel)
            }
            lastWrite = .now()
            let written = channel.eventLoop.makePromise(of: Void.self)
            framing.writeClosing(on: channel, promise: written)
            channel.flush()
            written.futureResult.whenComplete { [channel] _ in channel.close(promise: nil) }
            // Do not wait for the peer's closing tag for long (RFC 6120 §4.4).
            channel.eventLoop.scheduleTask(in: .seconds(5)) { [channel] in channel.close(promise: nil) }
        case .fetchSCRAMRecord, .checkCredentials, .authenticationFailed, .refuseLogin, .register, .bindResource,
            .refuseSession, .stanza, .endSession:
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
            channel: channel, codec: codec, connection: self, rooms: shared.rooms, sendQueue: settings.sendQueue,
            coalescer: shared.connections.coalescer(for: channel.eventLoop), framing: framing)
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
