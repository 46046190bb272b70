import ParleyXML
import ParleyXMPP

/// The web-status registration (XEP-0077) with its data form (XEP-0004; XEP-0077 §5
/// extensibility): two boolean fields under the FORM_TYPE `jabber:iq:register`.
///
/// The field names are the seed's, kept stable: `show_status_msg` and `show_full_jid`.
/// XEP-0068 §3.4 lets a FORM_TYPE's fields defined outside the XSF go unregistered.
public enum RegistrationForm {
    /// `var` of the boolean "show my status message" field.
    public static let showStatusField = "show_status_msg"
    /// `var` of the boolean "show my address" field.
    public static let showJIDField = "show_full_jid"

    /// What an IQ set of `jabber:iq:register` asks for.
    public enum Request: Hashable, Sendable {
        /// Register, or change the settings of an existing registration (XEP-0077 §3.1).
        case register(PageSettings)
        /// `<remove/>` or the cancellation form (XEP-0077 §3.2).
        case remove
    }

    /// The answer to an IQ get (XEP-0077 §3.1): `<instructions/>` and the form (type
    /// `form`); for a registered user also `<registered/>`, the current values, and the
    /// page address in the instructions (re-registration shows what is on file).
    public static func query(current: StatusRegistration?, pageURL: String?) -> XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.register)
        let settings = current?.settings ?? PageSettings()
        let instructions: String
        if current != nil {
            query.append(XMLElement(name: "registered", namespace: XMPPNamespace.register))
            let address = pageURL.map { "Your status page is \($0) (JSON: \($0).json). " } ?? ""
            instructions =
                address + "Submit the form to change what it shows, or remove your registration to delete it."
        } else {
            instructions =
                "Choose what your web status page shows and submit the form. The page gets an unguessable address, "
                + "sent to you once you are registered; the component then asks to see your presence."
        }
        query.append(text: instructions, in: "instructions", namespace: XMPPNamespace.register)
        let form = DataForm(
            type: .form, formType: ParleyXMPP.Registration.formType, title: "Web presence",
            instructions: [instructions],
            fields: [
                DataFormField(
                    variable: showStatusField, type: .boolean, label: "Show my status message",
                    values: [settings.showStatusMessage ? "1" : "0"]),
                DataFormField(
                    variable: showJIDField, type: .boolean, label: "Show my address (JID)",
                    values: [settings.showJID ? "1" : "0"]),
            ])
        query.append(form.element)
        return query
    }

    /// Reads the `<query xmlns='jabber:iq:register'/>` of an IQ set. A field left out keeps
    /// its current value (off for a new registration).
    ///
    /// XEP-0077 §3.1, §3.2 and XEP-0004 §3: `<remove/>` not alone, a malformed form, a form
    /// of type `form` or `result`, or another FORM_TYPE is bad-request; no form, a cancelled
    /// form or a value that is not a boolean is not-acceptable.
    public static func request(from query: XMLElement, current: PageSettings?) throws(StanzaError) -> Request {
        guard query.name == "query", query.namespace == XMPPNamespace.register else {
            throw StanzaError(.badRequest, text: "not a jabber:iq:register query")
        }
        let children = query.elements
        if children.contains(where: { $0.name == "remove" && $0.namespace == XMPPNamespace.register }) {
            // XEP-0077 §3.2: "The <remove/> element was not the only child element".
            guard children.count == 1 else {
                throw StanzaError(.badRequest, text: "<remove/> must be the only child of the query")
            }
            return .remove
        }
        let form: DataForm?
        do {
            form = try DataForm.first(in: query)
        } catch {
            throw error.stanzaError
        }
        guard let form else {
            // §3.1: the required information (here: the form) is missing.
            throw StanzaError(.notAcceptable, text: "submit the registration form (jabber:x:data) to register")
        }
        switch form.type {
        case .submit: break
        case .cancel: throw StanzaError(.notAcceptable, text: "the registration form was cancelled; nothing changed")
        case .form, .result: throw StanzaError(.badRequest, text: "a registration form is sent back with type 'submit'")
        }
        switch form.formType {
        case nil, ParleyXMPP.Registration.formType?: break
        case ParleyXMPP.Registration.cancelFormType?: return .remove
        case let other?: throw StanzaError(.badRequest, text: "unexpected FORM_TYPE '\(other)' for jabber:iq:register")
        }
        var settings = current ?? PageSettings()
        if let value = try boolean(form, showStatusField) { settings.showStatusMessage = value }
        if let value = try boolean(form, showJIDField) { settings.showJID = value }
        return .register(settings)
    }

    /// XEP-0004 §3.3: a boolean is `0`, `1`, `false` or `true`; nil when the field is
    /// absent or has no value. Checked here too, because a submitted field may omit its type.
    private static func boolean(_ form: DataForm, _ variable: String) throws(StanzaError) -> Bool? {
        guard let field = form[variable], let value = field.values.first else { return nil }
        switch value {
        case "1", "true": return true
        case "0", "false": return false
        default: throw StanzaError(.notAcceptable, text: "field '\(variable)': '\(value.prefix(40))' is not a boolean")
        }
    }
}
