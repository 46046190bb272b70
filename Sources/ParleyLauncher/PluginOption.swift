/// One option a plugin declares: its name, help line, default and bounds. The same
/// declaration serves the command line (`--port 5222`) and the config file (`port: 5222`).
public struct PluginOption<Value: OptionValue>: Sendable {
    public let name: String
    public let help: String
    public let defaultValue: Value?
    private let check: @Sendable (Value) -> String?

    /// An option; `defaultValue` nil makes it required. `check` returns an error message for
    /// a value out of bounds.
    public init(
        _ name: String, default defaultValue: Value?, help: String,
        check: @escaping @Sendable (Value) -> String? = { _ in nil }
    ) {
        self.name = name
        self.help = help
        self.defaultValue = defaultValue
        self.check = check
    }

    /// Parses and checks `text`; the error message says what was expected.
    func parse(_ text: String) -> Result<Value, OptionError> {
        guard let value = Value(optionText: text) else {
            return .failure(OptionError(key: name, message: "expected \(Value.typeDescription), got '\(text)'"))
        }
        if let problem = check(value) { return .failure(OptionError(key: name, message: problem)) }
        return .success(value)
    }
}

extension PluginOption where Value == Int {
    /// An integer option bounded to `range`.
    public init(_ name: String, default defaultValue: Int?, range: ClosedRange<Int>, help: String) {
        self.init(name, default: defaultValue, help: help) { value in
            range.contains(value) ? nil : "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value)"
        }
    }
}

extension PluginOption where Value == Double {
    /// A number option bounded to `range`.
    public init(_ name: String, default defaultValue: Double?, range: ClosedRange<Double>, help: String) {
        self.init(name, default: defaultValue, help: help) { value in
            range.contains(value) ? nil : "expected a number from \(range.lowerBound) to \(range.upperBound), got \(value)"
        }
    }
}

extension PluginOption where Value == String {
    /// A string option restricted to `choices`.
    public init(_ name: String, default defaultValue: String?, choices: [String], help: String) {
        self.init(name, default: defaultValue, help: help) { value in
            choices.contains(value) ? nil : "expected one of \(choices.joined(separator: ", ")), got '\(value)'"
        }
    }
}

/// A problem with one option: which key and what is wrong.
public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "\(key): \(message)" }
}

/// The type-erased view of a `PluginOption`, for parsing and help.
public protocol AnyPluginOption: Sendable {
    var name: String { get }
    var help: String { get }
    var isFlag: Bool { get }
    var defaultText: String? { get }
    var typeDescription: String { get }
    func validate(_ text: String) -> OptionError?
}

extension PluginOption: AnyPluginOption {
    public var isFlag: Bool { Value.self == Bool.self }
    public var defaultText: String? { defaultValue?.optionText }
    public var typeDescription: String { Value.typeDescription }
    public func validate(_ text: String) -> OptionError? {
        if case .failure(let error) = parse(text) { return error }
        return nil
    }
}

/// The option values given to one plugin instance, validated against its declarations.
public struct PluginOptions: Sendable {
    private let given: [String: String]

    /// Validates `given` (option name → text) against `declared`: unknown names, bad values
    /// and missing required options are all reported, each with its key.
    public init(_ given: [String: String], declared: [any AnyPluginOption]) throws(OptionErrors) {
        var errors: [OptionError] = []
        let known = Dictionary(declared.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (key, text) in given.sorted(by: { $0.key < $1.key }) {
            guard let option = known[key] else {
                let names = declared.map(\.name).sorted().joined(separator: ", ")
                errors.append(OptionError(key: key, message: "unknown option; known options: \(names)"))
                continue
            }
            if let error = option.validate(text) { errors.append(error) }
        }
        for option in declared where option.defaultText == nil && given[option.name] == nil && !option.isFlag {
            errors.append(OptionError(key: option.name, message: "required option is missing"))
        }
        if !errors.isEmpty { throw OptionErrors(errors: errors) }
        self.given = given
    }

    /// The value of `option`: the given one, else its default.
    public func value<Value>(_ option: PluginOption<Value>) -> Value {
        if let text = given[option.name], case .success(let value) = option.parse(text) { return value }
        if let value = option.defaultValue { return value }
        // Only reachable for a required option of a declaration list that was not validated.
        preconditionFailure("option \(option.name) has no value; declare it in the plugin's options")
    }

    /// Parses command-line words: `--name value`, `--name=value`, `--flag`, `--no-flag`.
    public static func parse(commandLine words: [String], declared: [any AnyPluginOption]) throws(OptionErrors) -> PluginOptions {
        var given: [String: String] = [:]
        var errors: [OptionError] = []
        let flags = Set(declared.filter(\.isFlag).map(\.name))
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                errors.append(OptionError(key: word, message: "unexpected argument; options are written --name value"))
                continue
            }
            var name = String(word.dropFirst(2))
            if let equals = name.firstIndex(of: "=") {
                given[String(name[..<equals])] = String(name[name.index(after: equals)...])
                continue
            }
            if flags.contains(name) {
                given[name] = "true"
            } else if name.hasPrefix("no-"), flags.contains(String(name.dropFirst(3))) {
                name.removeFirst(3)
                given[name] = "false"
            } else if index < words.count {
                given[name] = words[index]
                index += 1
            } else {
                errors.append(OptionError(key: name, message: "needs a value"))
            }
        }
        if !errors.isEmpty { throw OptionErrors(errors: errors) }
        return try PluginOptions(given, declared: declared)
    }
}

/// Every problem found in one set of options.
public struct OptionErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [OptionError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
