/// Splits a command line into the launcher's own settings (`--domain`, `--storage`,
/// `--auth` (repeatable), `--log-level`, `--log-format`, `--config`, `--load-plugin`
/// (repeatable)) and everything else, which belongs to the plugin.
public struct CommandLineSettings: Sendable {
    /// Scalar settings given on the command line, by name.
    public var scalars: [String: String] = [:]
    /// `--auth` strings in the order given.
    public var auth: [String] = []
    /// `--load-plugin PATH` libraries in the order given.
    public var loadPlugins: [String] = []
    /// `--config FILE`, when given.
    public var configPath: String?
    /// The words that are not launcher settings.
    public var rest: [String] = []

    /// Names of the launcher's own options.
    public static let names: Set<String> = Set(LauncherSettings.scalarOptions.map(\.name) + ["auth", "config", loadPluginName])

    /// The option that loads a plugin library (docs/custom-stores.md).
    public static let loadPluginName = "load-plugin"

    /// Separates launcher settings from the rest; a setting missing its value is an error.
    public static func split(_ words: [String]) throws(OptionErrors) -> CommandLineSettings {
        var result = CommandLineSettings()
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--") else {
                result.rest.append(word)
                continue
            }
            let body = word.dropFirst(2)
            let name: String
            let value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
                value = nil
            }
            guard names.contains(name) else {
                result.rest.append(word)
                continue
            }
            let text: String
            if let value {
                text = value
            } else if index < words.count {
                text = words[index]
                index += 1
            } else {
                throw OptionErrors(errors: [OptionError(key: name, message: "needs a value")])
            }
            switch name {
            case "auth": result.auth.append(text)
            case loadPluginName: result.loadPlugins.append(text)
            case "config": result.configPath = text
            default: result.scalars[name] = text
            }
        }
        return result
    }

    /// `words` without their `--load-plugin PATH` and `--load-plugin=PATH` options, for the
    /// subcommands that do not take launcher settings (`plugins`, `check-config`, `user`).
    public static func removingLoadPlugins(_ words: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" + loadPluginName {
                index += 1
            } else if !word.hasPrefix("--" + loadPluginName + "=") {
                result.append(word)
            }
        }
        return result
    }

    /// `base` with these command-line settings applied on top.
    public func applied(to base: LauncherSettings) throws(OptionErrors) -> LauncherSettings {
        var settings = base
        var merged: [String: String] = [
            "domain": base.domain, "storage": base.storage, "log-level": base.logLevel.rawValue,
            "log-format": base.logFormat.rawValue,
        ]
        merged.merge(scalars) { _, new in new }
        settings.apply(try PluginOptions(merged, declared: LauncherSettings.scalarOptions))
        if !auth.isEmpty { settings.auth = auth }
        return settings
    }
}
