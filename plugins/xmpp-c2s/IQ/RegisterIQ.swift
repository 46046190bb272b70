import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// XEP-0077 for a logged-in account: `<registered/>` on get, password change (§3.3) and
/// account removal (§3.2) on set.
struct RegisterIQ: IQHandler {
    let namespace = XMPPNamespace.register
    var features: [String] { [XMPPNamespace.register] }

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        guard request.to == nil || request.to?.localpart == nil else { return .error(StanzaError(.serviceUnavailable)) }
        guard let accounts = connection.shared.accounts, let user = request.from.userID.username else {
            return .error(StanzaError(.notAllowed))
        }
        guard request.isSet else {
            return .result(Registration.registeredForm(username: user.value))
        }
        let parsed: RegistrationRequest
        do {
            parsed = try RegistrationRequest(parsing: request.child, authenticated: true)
        } catch {
            return .error(error)
        }
        switch parsed {
        case .remove:
            let result = await Task.detached { () -> Result<Void, StoreError> in
                do throws(StoreError) { try accounts.removeAccount(user); return .success(()) } catch { return .failure(error) }
            }.value
            if case .failure(let error) = result {
                connection.shared.logger.error("account removal failed", metadata: ["user": "\(user)", "error": "\(error)"])
                return .error(StanzaError(.internalServerError))
            }
            connection.shared.logger.notice("account removed by its owner", metadata: ["user": "\(user)"])
            // §3.2: the result, then the stream ends (the account is gone).
            await connection.write(IQResult.empty(id: request.id, to: request.from))
            await connection.closeStream(error: StreamError(.notAuthorized, text: "account removed"))
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

/// A bare `<iq type='result'/>`.
enum IQResult {
    static func empty(id: String, to: JID?) -> XMLElement {
        var iq = XMLElement(
            name: "iq", namespace: XMPPNamespace.client,
            attributes: [XMLAttribute("type", value: "result"), XMLAttribute("id", value: id)])
        iq[attribute: "to"] = to?.description
        return iq
    }
}
