import Logging

/// The settings every `parleyd` run has, from the command line or the config file's top
/// level: the domain, the storage directory, the `--auth` strings and logging.
public struct LauncherSettings: Sendable, Equatable {
    /// The chat domain users and rooms belong to.
    public var domain = "localhost"
    /// The data directory holding `accounts/` and `contacts/`.
    public var storage = "storage"
    /// Credential stores in the order they are tried; `file` when none is given.
    public var auth: [String] = []
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text

    public init() {}

    /// The auth strings in force: the configured ones, or the flat-file store by default.
    public var effectiveAuth: [String] { auth.isEmpty ? ["file"] : auth }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// The settings as declared options, shared by the command line and the config file.
    static let domainOption = PluginOption<String>("domain", default: "localhost", help: "The chat domain.") {
        $0.isEmpty || $0.contains(where: { $0 == "@" || $0 == "/" || $0 == " " }) ? "expected a domain name" : nil
    }
    static let storageOption = PluginOption<String>(
        "storage", default: "storage", help: "The data directory (accounts/, contacts/).")
    static let logLevelOption = PluginOption<String>(
        "log-level", default: "info", choices: Logger.Level.allCases.map(\.rawValue), help: "The least severe level logged.")
    static let logFormatOption = PluginOption<String>(
        "log-format", default: "text", choices: LogFormat.allCases.map(\.rawValue), help: "text or json lines.")

    /// The scalar settings' declarations (`auth` is a list and is handled apart).
    static let scalarOptions: [any AnyPluginOption] = [domainOption, storageOption, logLevelOption, logFormatOption]

    /// Applies one validated scalar setting.
    mutating func apply(_ options: PluginOptions) {
        domain = options.value(Self.domainOption).lowercased()
        storage = options.value(Self.storageOption)
        logLevel = Logger.Level(rawValue: options.value(Self.logLevelOption)) ?? .info
        logFormat = LogFormat(rawValue: options.value(Self.logFormatOption)) ?? .text
    }
}
