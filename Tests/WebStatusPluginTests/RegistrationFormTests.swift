import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing
import WebStatusPlugin

@Suite("XEP-0077 registration form of web-status")
struct RegistrationFormTests {
    let alice = UserID(localpart: "alice", domain: "example.com")

    /// A submitted form as a client sends it back.
    func submission(
        type: String = "submit", formType: String? = "jabber:iq:register", fields: [(String, String?, [String])]
    ) throws -> XMLElement {
        var xml = "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='\(type)'>"
        if let formType { xml += "<field var='FORM_TYPE' type='hidden'><value>\(formType)</value></field>" }
        for (variable, fieldType, values) in fields {
            xml += "<field var='\(variable)'" + (fieldType.map { " type='\($0)'" } ?? "") + ">"
            for value in values { xml += "<value>\(value)</value>" }
            xml += "</field>"
        }
        return try XMLStreamParser.parseDocument(xml + "</x></query>")
    }

    @Test func theBlankFormHasInstructionsAFormTypeAndTwoBooleansOff() throws {
        let query = RegistrationForm.query(current: nil, pageURL: nil)
        #expect(query.name == "query" && query.namespace == XMPPNamespace.register)
        #expect(query.firstChild(named: "registered", namespace: XMPPNamespace.register) == nil)
        #expect(query.firstChild(named: "instructions", namespace: XMPPNamespace.register)?.text.isEmpty == false)
        let form = try #require(try DataForm.first(in: query))
        #expect(form.type == .form)
        #expect(form.formType == "jabber:iq:register")
        #expect(form["FORM_TYPE"]?.type == .hidden)
        for variable in [RegistrationForm.showStatusField, RegistrationForm.showJIDField] {
            #expect(form[variable]?.type == .boolean)
            #expect(form[variable]?.label?.isEmpty == false)
            #expect(form.value(of: variable) == "0")
        }
        #expect(RegistrationForm.showStatusField == "show_status_msg")
        #expect(RegistrationForm.showJIDField == "show_full_jid")
    }

    @Test func reRegistrationShowsRegisteredTheCurrentValuesAndThePageAddress() throws {
        let current = StatusRegistration(
            user: alice, id: "0123456789abcdef0123456789abcdef", settings: PageSettings(showStatusMessage: true))
        let url = "https://status.example.com/status/0123456789abcdef0123456789abcdef"
        let query = RegistrationForm.query(current: current, pageURL: url)
        #expect(query.firstChild(named: "registered", namespace: XMPPNamespace.register) != nil)
        #expect(query.firstChild(named: "instructions", namespace: XMPPNamespace.register)?.text.contains(url) == true)
        let form = try #require(try DataForm.first(in: query))
        #expect(form.value(of: RegistrationForm.showStatusField) == "1")
        #expect(form.value(of: RegistrationForm.showJIDField) == "0")
    }

    @Test func theProducedFormFilledInAndSubmittedParsesBack() throws {
        var form = try #require(try DataForm.first(in: RegistrationForm.query(current: nil, pageURL: nil)))
        form.type = .submit
        for index in form.fields.indices where form.fields[index].variable == RegistrationForm.showJIDField {
            form.fields[index].values = ["true"]
        }
        var query = XMLElement(name: "query", namespace: XMPPNamespace.register)
        query.append(form.element)
        let request = try RegistrationForm.request(from: query, current: nil)
        #expect(request == .register(PageSettings(showStatusMessage: false, showJID: true)))
    }

    @Test func submittedValuesAreReadAndOmittedFieldsKeepTheirCurrentValue() throws {
        let both = try submission(fields: [("show_status_msg", "boolean", ["1"]), ("show_full_jid", nil, ["false"])])
        #expect(try RegistrationForm.request(from: both, current: nil) == .register(PageSettings(showStatusMessage: true)))
        let onlyJID = try submission(formType: nil, fields: [("show_full_jid", nil, ["1"])])
        #expect(
            try RegistrationForm.request(from: onlyJID, current: PageSettings(showStatusMessage: true))
                == .register(PageSettings(showStatusMessage: true, showJID: true)))
        #expect(try RegistrationForm.request(from: onlyJID, current: nil) == .register(PageSettings(showJID: true)))
    }

    @Test func removeAndTheCancellationFormUnregister() throws {
        let remove = try XMLStreamParser.parseDocument("<query xmlns='jabber:iq:register'><remove/></query>")
        #expect(try RegistrationForm.request(from: remove, current: nil) == .remove)
        let cancelForm = try submission(formType: "jabber:iq:register:cancel", fields: [])
        #expect(try RegistrationForm.request(from: cancelForm, current: nil) == .remove)
    }

    @Test(arguments: [
        // XEP-0077 §3.2: <remove/> not alone.
        ("<query xmlns='jabber:iq:register'><remove/><x xmlns='jabber:x:data' type='submit'/></query>", "bad-request"),
        // §3.1: nothing to register with.
        ("<query xmlns='jabber:iq:register'/>", "not-acceptable"),
        // XEP-0004 §3.3: not a boolean, typed or not.
        (
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='show_status_msg' type='boolean'><value>yes</value></field></x></query>",
            "not-acceptable"
        ),
        (
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='show_full_jid'><value>maybe</value></field></x></query>",
            "not-acceptable"
        ),
        // XEP-0004 §3.1: a form comes back as submit; a cancelled one changes nothing.
        ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'/></query>", "bad-request"),
        ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='cancel'/></query>", "not-acceptable"),
        // Malformed form: no type; two fields with one var.
        ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data'/></query>", "bad-request"),
        (
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='show_full_jid'><value>1</value></field><field var='show_full_jid'><value>0</value></field></x></query>",
            "bad-request"
        ),
        // Another form type.
        (
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:example:other</value></field></x></query>",
            "bad-request"
        ),
    ])
    func invalidSubmissionsGetTheXEP0077Error(xml: String, condition: String) throws {
        let query = try XMLStreamParser.parseDocument(xml)
        let error = #expect(throws: StanzaError.self) { try RegistrationForm.request(from: query, current: nil) }
        #expect(error?.condition.rawValue == condition)
    }
}
