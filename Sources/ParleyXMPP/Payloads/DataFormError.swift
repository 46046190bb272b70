/// Why an `<x xmlns='jabber:x:data'/>` element is not a valid XEP-0004 data form.
public enum DataFormError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The element is not `<x/>` in `jabber:x:data`.
    case notADataForm
    /// XEP-0004 §3.1: the `type` attribute is REQUIRED.
    case missingFormType
    /// XEP-0004 §3.1: the type is none of form, submit, cancel, result.
    case unknownFormType(String)
    /// An element that may appear once appeared again (`title`, `reported`).
    case duplicateElement(String)
    /// XEP-0004 §3.4: `<reported/>` and `<item/>` belong to forms of type `result` only.
    case itemsOutsideResult
    /// XEP-0004 §3.2: a field other than `fixed` has no `var`; the label, if any, names it.
    case missingVariable(label: String?)
    /// XEP-0004 §3.2: `var` identifies a field uniquely in its form (or result row).
    case duplicateVariable(String)
    /// XEP-0004 §3.2: only list-multi, jid-multi, text-multi and hidden fields may carry
    /// several values.
    case tooManyValues(variable: String)
    /// XEP-0004 §3.2: `<option/>` belongs to list fields only.
    case unexpectedOption(variable: String)
    /// XEP-0004 §3.2: an `<option/>` holds one and only one `<value/>`.
    case malformedOption(variable: String)
    /// XEP-0004 §3.3 (boolean): a value other than `0`, `1`, `false`, `true`.
    case invalidBoolean(variable: String, value: String)
    /// XEP-0004 §3.3 (jid-single, jid-multi): a value that is not a JID.
    case invalidJID(variable: String, value: String)

    public var description: String {
        switch self {
        case .notADataForm: "not a <x xmlns='jabber:x:data'/> element"
        case .missingFormType: "data form without a type"
        case .unknownFormType(let type): "unknown data form type '\(type)'"
        case .duplicateElement(let name): "data form with more than one <\(name)/>"
        case .itemsOutsideResult: "<reported/> or <item/> in a data form that is not a result"
        case .missingVariable(let label): "data form field \(label.map { "'\($0)' " } ?? "")without a var"
        case .duplicateVariable(let name): "data form field '\(name)' appears twice"
        case .tooManyValues(let name): "data form field '\(name)' has several values but its type allows one"
        case .unexpectedOption(let name): "data form field '\(name)' has options but is not a list"
        case .malformedOption(let name): "an option of data form field '\(name)' does not hold exactly one value"
        case .invalidBoolean(let name, let value): "data form field '\(name)': '\(value)' is not a boolean"
        case .invalidJID(let name, let value): "data form field '\(name)': '\(value)' is not a JID"
        }
    }

    /// The stanza error to answer with: a value that fails validation is not-acceptable
    /// (XEP-0004 §4), anything malformed is a bad request.
    public var stanzaError: StanzaError {
        switch self {
        case .invalidBoolean, .invalidJID: StanzaError(.notAcceptable, text: description)
        default: StanzaError(.badRequest, text: description)
        }
    }
}
