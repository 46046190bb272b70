import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0077 in-band registration")
struct RegistrationTests {
    @Test("legacy fields register; extra fields are tolerated")
    func legacyRegistration() throws {
        let query = try payloadXML(
            "<query xmlns='jabber:iq:register'><username>bill</username><password>Calliope</password><email>bard@shakespeare.lit</email></query>"
        )
        #expect(try RegistrationRequest(parsing: query) == .register(username: "bill", password: "Calliope"))
    }

    @Test("a submitted data form takes precedence over legacy fields")
    func formRegistration() throws {
        let query = try payloadXML(
            """
            <query xmlns='jabber:iq:register'>
              <username>ignored</username>
              <x xmlns='jabber:x:data' type='submit'>
                <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register</value></field>
                <field var='username'><value>juliet</value></field>
                <field var='password'><value>R0m30</value></field>
              </x>
            </query>
            """)
        #expect(try RegistrationRequest(parsing: query) == .register(username: "juliet", password: "R0m30"))
    }

    @Test("remove, alone or as the cancellation form")
    func removal() throws {
        #expect(
            try RegistrationRequest(parsing: payloadXML("<query xmlns='jabber:iq:register'><remove/></query>"))
                == .remove)
        let cancelForm = try payloadXML(
            """
            <query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>
              <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register:cancel</value></field>
              <field var='username'><value>bill@shakespeare.lit</value></field>
            </x></query>
            """)
        #expect(try RegistrationRequest(parsing: cancelForm, authenticated: true) == .remove)
        let notAlone = try payloadXML("<query xmlns='jabber:iq:register'><remove/><username>bill</username></query>")
        #expect(caughtStanzaError { _ = try RegistrationRequest(parsing: notAlone) }?.condition == .badRequest)
    }

    @Test("password change: legacy fields, or the change-password form naming the account by bare JID")
    func passwordChange() throws {
        let legacy = try payloadXML(
            "<query xmlns='jabber:iq:register'><username>bill</username><password>newpass</password></query>")
        #expect(
            try RegistrationRequest(parsing: legacy, authenticated: true)
                == .register(username: "bill", password: "newpass"))
        let form = try payloadXML(
            """
            <query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>
              <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register:changepassword</value></field>
              <field var='username'><value>bill@shakespeare.lit</value></field>
              <field var='old_password'><value>theglobe</value></field>
              <field var='password'><value>groundlings</value></field>
            </x></query>
            """)
        #expect(
            try RegistrationRequest(parsing: form, authenticated: true)
                == .register(username: "bill", password: "groundlings"))
    }

    @Test(
        "missing information: not-acceptable when registering (§3.1), bad-request when changing (§3.3)",
        arguments: [
            "<query xmlns='jabber:iq:register'><username>bill</username></query>",
            "<query xmlns='jabber:iq:register'><password>x</password></query>",
            "<query xmlns='jabber:iq:register'><username>bill</username><password/></query>",
            "<query xmlns='jabber:iq:register'><username></username><password>x</password></query>",
            "<query xmlns='jabber:iq:register'/>",
            "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>a</value></field></x></query>",
        ])
    func missing(_ xml: String) throws {
        let query = try payloadXML(xml)
        #expect(caughtStanzaError { _ = try RegistrationRequest(parsing: query) }?.condition == .notAcceptable)
        #expect(
            caughtStanzaError { _ = try RegistrationRequest(parsing: query, authenticated: true) }?.condition
                == .badRequest)
    }

    @Test(
        "other malformed requests",
        arguments: [
            ("<query xmlns='jabber:iq:roster'/>", StanzaError.Condition.badRequest),
            ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='cancel'/></query>", .notAcceptable),
            ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'/></query>", .badRequest),
            ("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data'/></query>", .badRequest),
            (
                "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field type='hidden' var='FORM_TYPE'><value>urn:other</value></field></x></query>",
                .badRequest
            ),
        ])
    func malformed(_ xml: String, _ expected: StanzaError.Condition) throws {
        let query = try payloadXML(xml)
        #expect(caughtStanzaError { _ = try RegistrationRequest(parsing: query) }?.condition == expected)
    }

    @Test("the registration form has instructions, legacy fields and an equivalent data form")
    func form() throws {
        let query = try XMLStreamParser.parseDocument(Registration.form(instructions: "Choose wisely.").serialized())
        #expect(query.namespace == XMPPNamespace.register)
        #expect(query.firstChild(named: "instructions")?.text == "Choose wisely.")
        #expect(query.firstChild(named: "username", namespace: XMPPNamespace.register)?.children.isEmpty == true)
        #expect(query.firstChild(named: "password", namespace: XMPPNamespace.register)?.children.isEmpty == true)
        #expect(!Registration.isRegistered(query))
        let form = try #require(try DataForm.first(in: query))
        #expect(form.type == .form)
        #expect(form.formType == "jabber:iq:register")
        #expect(form["username"]?.required == true)
        #expect(form["password"]?.type == .textPrivate)
        // A client filling in the form gets a request that parses.
        var submitted = DataForm(type: .submit, formType: form.formType)
        submitted.fields.append(DataFormField(variable: "username", values: ["romeo"]))
        submitted.fields.append(DataFormField(variable: "password", values: ["J"]))
        let answer = XMLElement(
            name: "query", namespace: XMPPNamespace.register, children: [.element(submitted.element)])
        #expect(try RegistrationRequest(parsing: answer) == .register(username: "romeo", password: "J"))
    }

    @Test("a registered entity gets <registered/>, its username, and never its password")
    func registered() throws {
        let query = Registration.registeredForm(username: "juliet")
        #expect(Registration.isRegistered(query))
        #expect(query.firstChild(named: "username")?.text == "juliet")
        #expect(query.firstChild(named: "password")?.children.isEmpty == true)
        #expect(query.firstChild(named: "instructions") != nil)
    }

    @Test("the errors of §3 carry their conditions and types")
    func errors() {
        #expect(Registration.conflict.condition == .conflict && Registration.conflict.type == .cancel)
        #expect(
            Registration.missingInformation.condition == .notAcceptable
                && Registration.missingInformation.type == .modify)
        #expect(Registration.incompletePasswordChange.condition == .badRequest)
        #expect(
            Registration.insecureChannel.condition == .notAuthorized && Registration.insecureChannel.type == .modify)
        #expect(Registration.registrationRequired.condition == .registrationRequired)
        #expect(Registration.streamFeature.namespace == "http://jabber.org/features/iq-register")
    }
}
