/// A type a plugin option can hold: parsed from a command-line word or a config scalar.
public protocol OptionValue: Sendable {
    /// What to call the type in help and errors ("integer", "string").
    static var typeDescription: String { get }
    /// Parses `text`; nil when it is not a value of this type.
    init?(optionText text: String)
    /// How the value is written in help output.
    var optionText: String { get }
}

extension String: OptionValue {
    public static var typeDescription: String { "string" }
    public init?(optionText text: String) { self = text }
    public var optionText: String { self }
}

extension Int: OptionValue {
    public static var typeDescription: String { "integer" }
    public init?(optionText text: String) {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
}

extension Double: OptionValue {
    public static var typeDescription: String { "number" }
    public init?(optionText text: String) {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
}

extension Bool: OptionValue {
    public static var typeDescription: String { "boolean (true or false)" }
    public init?(optionText text: String) {
        switch text.lowercased() {
        case "true", "yes", "on", "1": self = true
        case "false", "no", "off", "0": self = false
        default: return nil
        }
    }
    public var optionText: String { self ? "true" : "false" }
}

import Foundation
