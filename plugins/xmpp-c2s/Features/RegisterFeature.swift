import Logging
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// XEP-0077 for a logged-in account: `<registered/>` on get, password change (§3.3) and
/// account removal (§3.2) on set. Registered only when the store can change accounts.
struct RegisterFeature: C2SFeature {
    let accounts: any AccountStore
    /// Forgets what the server kept for a removed account besides the account itself
    /// (vCard, private XML; the archive is the model's).
    let forget: @Sendable (Username) async -> Void

    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.register)
        hooks.onIQ(.get, namespace: XMPPNamespace.register) { request, _ in
            let user = try Self.account(of: request)
            return .result(Registration.registeredForm(username: user.value))
        }
        hooks.onIQ(.set, namespace: XMPPNamespace.register) { [accounts] request, context in
            let user = try Self.account(of: request)
            switch try RegistrationRequest(parsing: request.child, authenticated: true) {
            case .remove:
                let result = await Task.detached { () -> Result<Void, StoreError> in
                    do throws(StoreError) { try accounts.removeAccount(user); return .success(()) } catch { return .failure(error) }
                }.value
                if case .failure(let error) = result {
                    context.logger.error("account removal failed", metadata: ["user": "\(user)", "error": "\(error)"])
                    return .error(StanzaError(.internalServerError))
                }
                context.chat.userArchive?.removeArchive(of: user)
                await forget(user)
                context.logger.notice("account removed by its owner", metadata: ["user": "\(user)"])
                // §3.2: the result, then the stream ends (the account is gone).
                await context.send(IQResult.empty(id: request.id, to: request.from))
                await context.closeStream(StreamError(.notAuthorized, text: "account removed"))
                return .handled
            case .register(let username, let password):
                // §3.3: a password change names the account itself.
                guard Username(username) == user else { return .error(StanzaError(.notAllowed)) }
                let result = await Task.detached { () -> Result<Void, StoreError> in
                    do throws(StoreError) { try accounts.setPassword(user, password: password); return .success(()) } catch {
                        return .failure(error)
                    }
                }.value
                switch result {
                case .success: return .result(nil)
                case .failure(.invalidPassword(let why)): return .error(StanzaError(.notAcceptable, text: why))
                case .failure: return .error(StanzaError(.internalServerError))
                }
            }
        }
    }

    /// The requesting account; only the server (or no `to`) answers for it.
    static func account(of request: IQRequest) throws(StanzaError) -> Username {
        guard request.to == nil || request.to?.localpart == nil else { throw StanzaError(.serviceUnavailable) }
        guard let user = request.from.userID.username else { throw StanzaError(.notAllowed) }
        return user
    }
}
