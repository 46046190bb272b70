import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

extension C2SConnection {
    /// XEP-0077 §3.1 before authentication: the form on get, account creation on set.
    /// Only over TLS unless clear-text passwords were explicitly allowed.
    func handleRegistration(_ iq: XMLElement) async {
        guard let query = iq.firstChild(named: "query", namespace: XMPPNamespace.register), let id = iq[attribute: "id"]
        else { return }
        guard stream.registrationOffered, let accounts = shared.accounts else {
            write(StanzaError(.serviceUnavailable).reply(to: iq))
            return
        }
        switch iq[attribute: "type"] {
        case "get":
            var result = IQResult.empty(id: id, to: nil)
            result.append(Registration.form(instructions: "Choose a user name and password for \(domain)."))
            write(result)
        case "set":
            let request: RegistrationRequest
            do {
                request = try RegistrationRequest(parsing: query)
            } catch {
                write(error.reply(to: iq))
                return
            }
            guard case .register(let name, let password) = request else {
                write(StanzaError(.notAuthorized, text: "log in to remove an account").reply(to: iq))
                return
            }
            guard let user = Username(name) else {
                write(StanzaError(.notAcceptable, text: "invalid user name").reply(to: iq))
                return
            }
            let outcome = await Task.detached { () -> Result<Void, StoreError> in
                do throws(StoreError) { try accounts.addAccount(user, password: password); return .success(()) } catch {
                    return .failure(error)
                }
            }.value
            switch outcome {
            case .success:
                log(.notice, "account registered in band", ["user": "\(user)"])
                write(IQResult.empty(id: id, to: nil))
            case .failure(.accountExists):
                // XEP-0077 §3.1: the name is taken.
                write(StanzaError(.conflict).reply(to: iq))
            case .failure(.invalidPassword(let why)):
                write(StanzaError(.notAcceptable, text: why).reply(to: iq))
            case .failure(let error):
                log(.error, "registration failed", ["user": "\(user)", "error": "\(error)"])
                write(StanzaError(.internalServerError).reply(to: iq))
            }
        default:
            write(StanzaError(.badRequest).reply(to: iq))
        }
    }
}
