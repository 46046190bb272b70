import ParleyXML

/// A XEP-0004 data form, `<x xmlns='jabber:x:data' type='…'>`: a form to fill in, its
/// submission, a cancellation or a result (with optional `<reported/>` and `<item/>` rows).
public struct DataForm: Hashable, Sendable {
    /// XEP-0004 §3.1: the four form types.
    public enum FormType: String, Hashable, Sendable, CaseIterable {
        case form, submit, cancel, result
    }

    /// The `var` of the hidden field naming the form's purpose (XEP-0068 §2).
    public static let formTypeVariable = "FORM_TYPE"

    public var type: FormType
    /// `<title/>`, at most one (XEP-0004 §3).
    public var title: String?
    /// `<instructions/>`, any number (XEP-0004 §3).
    public var instructions: [String]
    public var fields: [DataFormField]
    /// XEP-0004 §3.4: the column headers of a multi-item result; nil when absent.
    public var reported: [DataFormField]?
    /// XEP-0004 §3.4: the rows of a multi-item result.
    public var items: [[DataFormField]]

    /// A form; with `formType`, a hidden `FORM_TYPE` field comes first (XEP-0068 §2).
    public init(
        type: FormType, formType: String? = nil, title: String? = nil, instructions: [String] = [],
        fields: [DataFormField] = [], reported: [DataFormField]? = nil, items: [[DataFormField]] = []
    ) {
        self.type = type
        self.title = title
        self.instructions = instructions
        self.fields = fields
        self.reported = reported
        self.items = items
        if let formType {
            self.fields.insert(DataFormField(variable: Self.formTypeVariable, type: .hidden, values: [formType]), at: 0)
        }
    }

    /// The value of the `FORM_TYPE` field (XEP-0068 §2), if any.
    public var formType: String? { self[Self.formTypeVariable]?.values.first }

    /// The field whose `var` is `variable`.
    public subscript(variable: String) -> DataFormField? {
        fields.first { $0.variable == variable }
    }

    /// The first value of the field whose `var` is `variable`.
    public func value(of variable: String) -> String? { self[variable]?.values.first }
}

/// One `<field/>` of a data form (XEP-0004 §3.2).
public struct DataFormField: Hashable, Sendable {
    /// The `var` attribute; only a `fixed` field may go without (XEP-0004 §3.2).
    public var variable: String?
    /// The `type` attribute as sent; nil when absent, which means `text-single` (XEP-0004 §3.2).
    public var type: DataFormFieldType?
    public var label: String?
    /// `<desc/>`.
    public var description: String?
    /// `<required/>`.
    public var required: Bool
    /// The `<value/>` children in order.
    public var values: [String]
    /// The `<option/>` children of a list field.
    public var options: [DataFormOption]
    /// Children in other namespaces (XEP-0122 validation, XEP-0221 media), kept as they came.
    public var extensions: [XMLElement]

    public init(
        variable: String?, type: DataFormFieldType? = nil, label: String? = nil, description: String? = nil,
        required: Bool = false, values: [String] = [], options: [DataFormOption] = [], extensions: [XMLElement] = []
    ) {
        self.variable = variable
        self.type = type
        self.label = label
        self.description = description
        self.required = required
        self.values = values
        self.options = options
        self.extensions = extensions
    }

    /// The type the field is handled as: an absent or unknown type is `text-single`
    /// (XEP-0004 §3.3: "MUST be assumed if [an entity] receives a field type it does not
    /// understand").
    public var effectiveType: DataFormFieldType {
        guard let type, type.isKnown else { return .textSingle }
        return type
    }

    /// The value of a boolean field: `1`/`true` or `0`/`false`; false when absent (XEP-0004 §3.3).
    public var boolValue: Bool { values.first == "1" || values.first == "true" }
}

/// A field type (XEP-0004 §3.3). Kept as the string that was sent, so an unknown type
/// survives a round trip; `isKnown` says whether it is one of the ten defined ones.
public struct DataFormFieldType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let boolean = Self(rawValue: "boolean")
    public static let fixed = Self(rawValue: "fixed")
    public static let hidden = Self(rawValue: "hidden")
    public static let jidMulti = Self(rawValue: "jid-multi")
    public static let jidSingle = Self(rawValue: "jid-single")
    public static let listMulti = Self(rawValue: "list-multi")
    public static let listSingle = Self(rawValue: "list-single")
    public static let textMulti = Self(rawValue: "text-multi")
    public static let textPrivate = Self(rawValue: "text-private")
    public static let textSingle = Self(rawValue: "text-single")

    /// The ten types XEP-0004 §3.3 defines.
    public static let known: Set<DataFormFieldType> = [
        .boolean, .fixed, .hidden, .jidMulti, .jidSingle, .listMulti, .listSingle, .textMulti, .textPrivate,
        .textSingle,
    ]

    public var isKnown: Bool { Self.known.contains(self) }

    /// XEP-0004 §3.2: only these may carry more than one `<value/>`.
    public var allowsSeveralValues: Bool {
        self == .listMulti || self == .jidMulti || self == .textMulti || self == .hidden
    }

    /// XEP-0004 §3.2: only list fields carry `<option/>`s.
    public var allowsOptions: Bool { self == .listSingle || self == .listMulti }

    public var description: String { rawValue }
}

/// One `<option label='…'><value>…</value></option>` of a list field (XEP-0004 §3.2).
public struct DataFormOption: Hashable, Sendable {
    public var label: String?
    public var value: String

    public init(label: String? = nil, value: String) {
        self.label = label
        self.value = value
    }
}
