import ParleyXML

/// The server's side of XEP-0077: the forms it sends and the errors it answers with.
public enum Registration {
    /// FORM_TYPE of the registration form (XEP-0077 §4).
    public static let formType = "jabber:iq:register"
    /// FORM_TYPE of the password-change form (XEP-0077 §3.3).
    public static let changePasswordFormType = "jabber:iq:register:changepassword"
    /// FORM_TYPE of the cancellation form (XEP-0077 §3.2).
    public static let cancelFormType = "jabber:iq:register:cancel"

    /// The reply to an IQ get from an entity that is not registered (XEP-0077 §3.1):
    /// `<instructions/>`, empty `<username/>` and `<password/>`, and the same two fields as
    /// a XEP-0004 form with FORM_TYPE `jabber:iq:register` (§4), for clients that prefer it.
    public static func form(instructions: String) -> XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.register)
        query.append(text: instructions, in: "instructions", namespace: XMPPNamespace.register)
        query.append(XMLElement(name: "username", namespace: XMPPNamespace.register))
        query.append(XMLElement(name: "password", namespace: XMPPNamespace.register))
        let form = DataForm(
            type: .form, formType: formType, title: "Registration", instructions: [instructions],
            fields: [
                DataFormField(variable: "username", type: .textSingle, label: "Username", required: true),
                DataFormField(variable: "password", type: .textPrivate, label: "Password", required: true),
            ])
        query.append(form.element)
        return query
    }

    /// The reply to an IQ get from a registered entity (XEP-0077 §3.1): `<registered/>`,
    /// the username on file and an empty `<password/>` (the password is never sent back).
    public static func registeredForm(
        username: String, instructions: String = "You are registered; send a new password to change it."
    ) -> XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.register)
        query.append(XMLElement(name: "registered", namespace: XMPPNamespace.register))
        query.append(text: instructions, in: "instructions", namespace: XMPPNamespace.register)
        query.append(text: username, in: "username", namespace: XMPPNamespace.register)
        query.append(XMLElement(name: "password", namespace: XMPPNamespace.register))
        return query
    }

    /// Whether a registration reply says the entity is already registered (§3.1).
    public static func isRegistered(_ query: XMLElement) -> Bool {
        query.firstChild(named: "registered", namespace: XMPPNamespace.register) != nil
    }

    /// `<register xmlns='http://jabber.org/features/iq-register'/>`, the stream feature of
    /// XEP-0077 §8.
    public static var streamFeature: XMLElement {
        XMLElement(name: "register", namespace: XMPPNamespace.registerFeature)
    }

    // MARK: Errors (XEP-0077 §3)

    /// §3.1: the username is taken (the caller decides that).
    public static let conflict = StanzaError(.conflict, text: "that username is taken")
    /// §3.1: some required information is missing, or the password is empty.
    public static let missingInformation = StanzaError(
        .notAcceptable, text: "a username and a non-empty password are required")
    /// §3.3: the password change lacks the username or the new password.
    public static let incompletePasswordChange = StanzaError(
        .badRequest, text: "a password change needs the username and a new password")
    /// §3.3: the channel is not safe enough for a password change.
    public static let insecureChannel = StanzaError(
        .notAuthorized, type: .modify, text: "password changes need an encrypted stream")
    /// §3.2, §3.3: in-band cancellation or password change is disabled.
    public static let notAllowed = StanzaError(.notAllowed)
    /// §3.2: the entity removing its registration was not registered.
    public static let registrationRequired = StanzaError(.registrationRequired)
    /// §3.2, §3.3: an IM server got the request before the entity authenticated.
    public static let unexpectedRequest = StanzaError(.unexpectedRequest, type: .cancel)
    /// §3.1: the host offers no in-band registration.
    public static let serviceUnavailable = StanzaError(.serviceUnavailable)
}
