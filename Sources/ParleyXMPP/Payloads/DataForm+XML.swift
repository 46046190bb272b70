import ParleyXML

extension DataForm {
    /// Reads and validates an `<x xmlns='jabber:x:data'/>` element (XEP-0004 §3). Children
    /// of the form in other namespaces are ignored; those of a field are kept.
    public init(element: XMLElement) throws(DataFormError) {
        guard element.name == "x", element.namespace == XMPPNamespace.dataForms else { throw .notADataForm }
        // XEP-0004 §3.1: the type is REQUIRED and one of four.
        guard let rawType = element[attribute: "type"] else { throw .missingFormType }
        guard let type = FormType(rawValue: rawType) else { throw .unknownFormType(rawType) }
        self.init(type: type)
        for child in element.elements where child.namespace == XMPPNamespace.dataForms {
            switch child.name {
            case "title":
                guard title == nil else { throw .duplicateElement("title") }
                title = child.text
            case "instructions":
                instructions.append(child.text)
            case "field":
                fields.append(try DataFormField(element: child))
            case "reported":
                // XEP-0004 §3.4: "one and only" <reported/>, in results only.
                guard type == .result else { throw .itemsOutsideResult }
                guard reported == nil else { throw .duplicateElement("reported") }
                reported = try Self.fields(of: child)
            case "item":
                guard type == .result else { throw .itemsOutsideResult }
                items.append(try Self.fields(of: child))
            default:
                continue
            }
        }
        try Self.checkUnique(fields)
    }

    /// The `<x xmlns='jabber:x:data'/>` element.
    public var element: XMLElement {
        var x = XMLElement(
            name: "x", namespace: XMPPNamespace.dataForms, attributes: [XMLAttribute("type", value: type.rawValue)])
        if let title { x.append(text: title, in: "title", namespace: XMPPNamespace.dataForms) }
        for line in instructions { x.append(text: line, in: "instructions", namespace: XMPPNamespace.dataForms) }
        for field in fields { x.append(field.element) }
        if let reported {
            x.append(
                XMLElement(
                    name: "reported", namespace: XMPPNamespace.dataForms,
                    children: reported.map { .element($0.element) }))
        }
        for item in items {
            x.append(
                XMLElement(
                    name: "item", namespace: XMPPNamespace.dataForms, children: item.map { .element($0.element) }))
        }
        return x
    }

    /// The first data form among `parent`'s children, parsed; nil when there is none.
    public static func first(in parent: XMLElement) throws(DataFormError) -> DataForm? {
        guard let x = parent.firstChild(named: "x", namespace: XMPPNamespace.dataForms) else { return nil }
        return try DataForm(element: x)
    }

    private static func fields(of row: XMLElement) throws(DataFormError) -> [DataFormField] {
        var fields: [DataFormField] = []
        for child in row.elements where child.namespace == XMPPNamespace.dataForms && child.name == "field" {
            fields.append(try DataFormField(element: child))
        }
        try checkUnique(fields)
        return fields
    }

    /// XEP-0004 §3.2: a `var` "uniquely identifies the field in the context of the form".
    private static func checkUnique(_ fields: [DataFormField]) throws(DataFormError) {
        var seen: Set<String> = []
        for case let variable? in fields.map(\.variable) {
            guard seen.insert(variable).inserted else { throw .duplicateVariable(variable) }
        }
    }
}

extension DataFormField {
    /// Reads and validates one `<field/>` (XEP-0004 §3.2, §3.3).
    public init(element: XMLElement) throws(DataFormError) {
        self.init(
            variable: element[attribute: "var"],
            type: element[attribute: "type"].map(DataFormFieldType.init(rawValue:)),
            label: element[attribute: "label"])
        let name = variable ?? label ?? "?"
        for child in element.elements {
            guard child.namespace == XMPPNamespace.dataForms else {
                extensions.append(child)
                continue
            }
            switch child.name {
            case "desc": description = child.text
            case "required": required = true
            case "value": values.append(child.text)
            case "option":
                let optionValues = child.elements.filter {
                    $0.name == "value" && $0.namespace == XMPPNamespace.dataForms
                }
                guard optionValues.count == 1 else { throw .malformedOption(variable: name) }
                options.append(DataFormOption(label: child[attribute: "label"], value: optionValues[0].text))
            default: continue
            }
        }
        let type = effectiveType
        // §3.2: every field but a fixed one has a var.
        guard variable != nil || type == .fixed else { throw .missingVariable(label: label) }
        // §3.2: the value and option rules hold for the types this side understands; an
        // unknown type is accepted as sent.
        if self.type?.isKnown ?? true {
            guard values.count <= 1 || type.allowsSeveralValues else { throw .tooManyValues(variable: name) }
            guard options.isEmpty || type.allowsOptions else { throw .unexpectedOption(variable: name) }
        }
        // §3.3: booleans are 0, 1, false or true.
        if type == .boolean {
            for value in values where !["0", "1", "false", "true"].contains(value) {
                throw .invalidBoolean(variable: name, value: value)
            }
        }
        // §3.3: JID fields hold valid JIDs (an empty value, as in a blank form, is let through).
        if type == .jidSingle || type == .jidMulti {
            for value in values where !value.isEmpty && JID(value) == nil {
                throw .invalidJID(variable: name, value: value)
            }
        }
    }

    /// The `<field/>` element.
    public var element: XMLElement {
        var field = XMLElement(name: "field", namespace: XMPPNamespace.dataForms)
        field[attribute: "var"] = variable
        field[attribute: "type"] = type?.rawValue
        field[attribute: "label"] = label
        if let description { field.append(text: description, in: "desc", namespace: XMPPNamespace.dataForms) }
        if required { field.append(XMLElement(name: "required", namespace: XMPPNamespace.dataForms)) }
        for value in values { field.append(text: value, in: "value", namespace: XMPPNamespace.dataForms) }
        for option in options {
            var element = XMLElement(name: "option", namespace: XMPPNamespace.dataForms)
            element[attribute: "label"] = option.label
            element.append(text: option.value, in: "value", namespace: XMPPNamespace.dataForms)
            field.append(element)
        }
        for extensionElement in extensions { field.append(extensionElement) }
        return field
    }
}
