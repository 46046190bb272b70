import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0004 data forms")
struct DataFormTests {
    static let contestForm = """
        <x xmlns='jabber:x:data' type='form'>
          <title>Contest Registration</title>
          <instructions>Please provide the following information</instructions>
          <instructions>to sign up for our special contests!</instructions>
          <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register</value></field>
          <field type='text-single' label='Given Name' var='first'><required/></field>
          <field type='list-single' label='Gender' var='x-gender'>
            <desc>As you like it</desc>
            <option label='Male'><value>M</value></option>
            <option label='Female'><value>F</value></option>
          </field>
          <field type='boolean' var='public'><value>1</value></field>
          <field type='jid-multi' var='friends'><value>romeo@montague.lit</value><value>nurse@capulet.lit</value></field>
          <field type='fixed'><value>Section 2</value></field>
        </x>
        """

    @Test("parses every part of a form")
    func parsesForm() throws {
        let form = try DataForm(element: payloadXML(Self.contestForm))
        #expect(form.type == .form)
        #expect(form.title == "Contest Registration")
        #expect(
            form.instructions == ["Please provide the following information", "to sign up for our special contests!"])
        #expect(form.formType == "jabber:iq:register")
        #expect(form.fields.count == 6)
        let first = try #require(form["first"])
        #expect(first.required && first.label == "Given Name" && first.type == .textSingle)
        let gender = try #require(form["x-gender"])
        #expect(
            gender.options == [DataFormOption(label: "Male", value: "M"), DataFormOption(label: "Female", value: "F")])
        #expect(gender.description == "As you like it")
        #expect(form["public"]?.boolValue == true)
        #expect(form["friends"]?.values == ["romeo@montague.lit", "nurse@capulet.lit"])
        #expect(form.fields.last?.variable == nil && form.fields.last?.type == .fixed)
    }

    @Test("model → element → model keeps everything, including a result table")
    func roundTrip() throws {
        let validate = XMLElement(
            name: "validate", namespace: "http://jabber.org/protocol/xdata-validate",
            attributes: [XMLAttribute("datatype", value: "xs:integer")])
        let form = DataForm(
            type: .result, formType: "urn:example:search", title: "Results", instructions: ["one", ""],
            fields: [
                DataFormField(variable: "age", type: .textSingle, label: "Age", values: ["30"], extensions: [validate]),
                DataFormField(variable: "x-custom", type: DataFormFieldType(rawValue: "x-future"), values: ["a", "b"]),
                DataFormField(variable: "empty", values: [""]),
            ],
            reported: [DataFormField(variable: "jid", type: .jidSingle, label: "JID")],
            items: [
                [DataFormField(variable: "jid", values: ["juliet@capulet.lit"])],
                [DataFormField(variable: "jid", values: ["romeo@montague.lit"])],
            ])
        let element = form.element
        #expect(try DataForm(element: element) == form)
        // And through bytes.
        #expect(try DataForm(element: XMLStreamParser.parseDocument(element.serialized())) == form)
    }

    @Test("element → model → element is the identity for a form in canonical order")
    func elementRoundTrip() throws {
        let element = try payloadXML(
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:x</value></field>"
                + "<field var='a'><value>1</value></field></x>")
        #expect(try DataForm(element: element).element == element)
    }

    @Test("the FORM_TYPE helper puts a hidden field first")
    func formTypeHelper() {
        let form = DataForm(
            type: .submit, formType: "urn:example", fields: [DataFormField(variable: "a", values: ["1"])])
        #expect(form.fields.first == DataFormField(variable: "FORM_TYPE", type: .hidden, values: ["urn:example"]))
        #expect(form.formType == "urn:example")
        #expect(form.value(of: "a") == "1")
        #expect(DataForm(type: .submit).formType == nil)
    }

    @Test("an absent or unknown field type is handled as text-single but kept as sent")
    func unknownType() throws {
        let form = try DataForm(
            element: payloadXML(
                "<x xmlns='jabber:x:data' type='submit'><field var='a' type='x-new'/><field var='b'/></x>"))
        #expect(form["a"]?.type == DataFormFieldType(rawValue: "x-new"))
        #expect(form["a"]?.effectiveType == .textSingle)
        #expect(form["b"]?.type == nil)
        #expect(form["b"]?.effectiveType == .textSingle)
        #expect(form.element[attribute: "type"] == "submit")
        #expect(form.element.elements[0][attribute: "type"] == "x-new")
    }

    @Test(
        "malformed forms give a precise error",
        arguments: [
            ("<x xmlns='jabber:x:oob'/>", DataFormError.notADataForm),
            ("<x xmlns='jabber:x:data'/>", .missingFormType),
            ("<x xmlns='jabber:x:data' type='draft'/>", .unknownFormType("draft")),
            ("<x xmlns='jabber:x:data' type='form'><title>a</title><title>b</title></x>", .duplicateElement("title")),
            ("<x xmlns='jabber:x:data' type='form'><reported><field var='a'/></reported></x>", .itemsOutsideResult),
            ("<x xmlns='jabber:x:data' type='submit'><item/></x>", .itemsOutsideResult),
            (
                "<x xmlns='jabber:x:data' type='result'><reported/><reported/></x>",
                .duplicateElement("reported")
            ),
            ("<x xmlns='jabber:x:data' type='form'><field label='Name'/></x>", .missingVariable(label: "Name")),
            ("<x xmlns='jabber:x:data' type='form'><field var='a'/><field var='a'/></x>", .duplicateVariable("a")),
            (
                "<x xmlns='jabber:x:data' type='result'><item><field var='a'/><field var='a'/></item></x>",
                .duplicateVariable("a")
            ),
            (
                "<x xmlns='jabber:x:data' type='submit'><field var='a'><value>1</value><value>2</value></field></x>",
                .tooManyValues(variable: "a")
            ),
            (
                "<x xmlns='jabber:x:data' type='form'><field var='a' type='text-single'><option><value>1</value></option></field></x>",
                .unexpectedOption(variable: "a")
            ),
            (
                "<x xmlns='jabber:x:data' type='form'><field var='a' type='list-single'><option label='x'/></field></x>",
                .malformedOption(variable: "a")
            ),
            (
                "<x xmlns='jabber:x:data' type='submit'><field var='b' type='boolean'><value>yes</value></field></x>",
                .invalidBoolean(variable: "b", value: "yes")
            ),
            (
                "<x xmlns='jabber:x:data' type='submit'><field var='j' type='jid-single'><value>@@</value></field></x>",
                .invalidJID(variable: "j", value: "@@")
            ),
        ])
    func errors(_ xml: String, _ expected: DataFormError) throws {
        let element = try payloadXML(xml)
        #expect(caughtDataFormError { _ = try DataForm(element: element) } == expected)
    }

    @Test("several values are fine in multi and hidden fields; unknown types are not checked")
    func severalValuesAllowed() throws {
        for type in ["list-multi", "jid-multi", "text-multi", "hidden", "x-unknown"] {
            let element = try payloadXML(
                "<x xmlns='jabber:x:data' type='submit'><field var='a' type='\(type)'><value>a@b</value><value>c@d</value></field></x>"
            )
            #expect(try DataForm(element: element)["a"]?.values.count == 2, "\(type)")
        }
    }

    @Test("validation failures are not-acceptable, syntax errors bad-request")
    func stanzaErrors() {
        #expect(DataFormError.invalidBoolean(variable: "a", value: "x").stanzaError.condition == .notAcceptable)
        #expect(DataFormError.invalidJID(variable: "a", value: "x").stanzaError.condition == .notAcceptable)
        #expect(DataFormError.missingFormType.stanzaError.condition == .badRequest)
        #expect(DataFormError.duplicateVariable("a").stanzaError.text?.contains("'a'") == true)
    }

    @Test("first(in:) finds the form among a query's children")
    func firstInParent() throws {
        let query = try payloadXML(
            "<query xmlns='jabber:iq:register'><username/><x xmlns='jabber:x:data' type='submit'><field var='username'><value>bill</value></field></x></query>"
        )
        #expect(try DataForm.first(in: query)?.value(of: "username") == "bill")
        #expect(try DataForm.first(in: payloadXML("<query xmlns='jabber:iq:register'/>")) == nil)
    }
}
