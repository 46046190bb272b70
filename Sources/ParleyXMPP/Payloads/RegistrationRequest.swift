import ParleyXML

/// What a client asks for in an IQ set of `jabber:iq:register` (XEP-0077 §3).
///
/// `.register` on a stream that is not authenticated creates an account (§3.1); on an
/// authenticated stream it is a password change (§3.3): same elements, the caller knows
/// which one it is. Parse with `authenticated:` so that missing fields get the error each
/// section prescribes.
public enum RegistrationRequest: Hashable, Sendable {
    /// `<username/>` and `<password/>`, or a data form with those fields (§3.1, §3.3, §4).
    case register(username: String, password: String)
    /// `<remove/>`, or the cancellation form of §3.2 (`jabber:iq:register:cancel`).
    case remove

    /// Reads the `<query xmlns='jabber:iq:register'>` of an IQ set.
    ///
    /// - A data form, when present, takes precedence over the legacy fields (XEP-0077 §4);
    ///   its FORM_TYPE is `jabber:iq:register` (or absent), `…:changepassword` or
    ///   `…:cancel`. A form of type `cancel` is answered not-acceptable (nothing changed).
    /// - `<remove/>` must be the only child (§3.2, bad-request).
    /// - A missing or empty username or password is not-acceptable when registering
    ///   (§3.1, including an empty `<password/>`) and bad-request when changing the
    ///   password (§3.3; the password stays as it was).
    public init(parsing query: XMLElement, authenticated: Bool = false) throws(StanzaError) {
        guard query.name == "query", query.namespace == XMPPNamespace.register else {
            throw StanzaError(.badRequest, text: "not a jabber:iq:register query")
        }
        let children = query.elements
        if children.contains(where: { $0.name == "remove" && $0.namespace == XMPPNamespace.register }) {
            // §3.2: "The <remove/> element was not the only child element" → bad-request.
            guard children.count == 1 else {
                throw StanzaError(.badRequest, text: "<remove/> must be the only child of the query")
            }
            self = .remove
            return
        }
        let missing = authenticated ? Registration.incompletePasswordChange : Registration.missingInformation
        let username: String?
        let password: String?
        let form: DataForm?
        do {
            form = try DataForm.first(in: query)
        } catch {
            throw error.stanzaError
        }
        if let form {
            switch form.type {
            case .submit: break
            case .cancel:
                throw StanzaError(.notAcceptable, text: "the registration form was cancelled; nothing changed")
            case .form, .result:
                throw StanzaError(.badRequest, text: "a registration form is sent back with type 'submit'")
            }
            switch form.formType {
            case nil, Registration.formType?:
                username = form.value(of: "username")
            case Registration.changePasswordFormType?:
                // COMPAT: XEP-0077 §3.3's own example names the account by its bare JID.
                username = form.value(of: "username").map { name in
                    JID(name).flatMap(\.localpart) ?? name
                }
            case Registration.cancelFormType?:
                self = .remove
                return
            case let other?:
                throw StanzaError(.badRequest, text: "unexpected FORM_TYPE '\(other)' for jabber:iq:register")
            }
            password = form.value(of: "password")
        } else {
            username = query.firstChild(named: "username", namespace: XMPPNamespace.register)?.text
            password = query.firstChild(named: "password", namespace: XMPPNamespace.register)?.text
        }
        guard let username, !username.isEmpty, let password, !password.isEmpty else { throw missing }
        self = .register(username: username, password: password)
    }
}
