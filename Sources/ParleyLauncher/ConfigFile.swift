import Foundation
import Yams

/// A `parleyd` configuration file (YAML): the top-level settings and the plugins to run,
/// each with its options. Every error names the line and the key. Format:
/// `docs/configuration.md`.
public struct ConfigFile: Sendable {
    /// One plugin instance to run.
    public struct PluginEntry: Sendable {
        public let plugin: any ParleyPlugin.Type
        public let options: PluginOptions
        /// The line the entry starts on, for log messages.
        public let line: Int
    }

    public let path: String
    public let settings: LauncherSettings
    public let plugins: [PluginEntry]
    /// The line of each of `settings.auth`, in the same order.
    public let authLines: [Int]

    /// One problem found in the file.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let key: String
        public let message: String
        public var description: String { "line \(line): \(key): \(message)" }
    }

    /// Every problem found in one file.
    public struct Errors: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let problems: [Problem]
        public var description: String {
            problems.map { "\(path):\($0.line): \($0.key): \($0.message)" }.joined(separator: "\n")
        }
    }

    /// How to report a refused auth string of this file: `FILE:LINE: auth: …` when the
    /// file's own strings are in force, else as the launcher said it.
    public func describe(_ error: LaunchError) -> String {
        guard let index = error.authIndex, index < authLines.count else { return error.description }
        return "\(path):\(authLines[index]): auth: \(error.description)"
    }

    /// Reads and validates the file at `path`.
    public static func load(path: String, registry: PluginRegistry) throws(Errors) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Errors(path: path, problems: [Problem(line: 0, key: "-", message: "cannot read the file: \(error.localizedDescription)")])
        }
        return try parse(text, path: path, registry: registry)
    }

    /// Validates configuration `text`; `path` is used in messages.
    public static func parse(_ text: String, path: String, registry: PluginRegistry) throws(Errors) -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Errors(path: path, problems: [Self.problem(from: error, text: text)])
        } catch {
            throw Errors(path: path, problems: [Problem(line: 0, key: "-", message: "\(error)")])
        }
        var problems: [Problem] = []
        guard let root, case .mapping(let top) = root else {
            throw Errors(path: path, problems: [Problem(line: root?.mark?.line ?? 1, key: "-", message: "expected a mapping of settings at the top level")])
        }
        var settings = LauncherSettings()
        var authLines: [Int] = []
        var scalars: [String: String] = [:]
        var scalarLines: [String: Int] = [:]
        var plugins: [PluginEntry] = []
        let knownTop = LauncherSettings.scalarOptions.map(\.name) + ["auth", "plugins"]
        var seen: Set<String> = []
        for (keyNode, value) in top {
            let key = keyNode.string ?? "?"
            let line = keyNode.mark?.line ?? 0
            guard seen.insert(key).inserted else {
                problems.append(Problem(line: line, key: key, message: "set twice; keep one"))
                continue
            }
            switch key {
            case "auth":
                switch value {
                case .scalar(let scalar):
                    settings.auth = [scalar.string]
                    authLines = [value.mark?.line ?? line]
                case .sequence(let items):
                    for item in items {
                        guard let string = item.scalar?.string else {
                            problems.append(Problem(line: item.mark?.line ?? line, key: "auth", message: "expected an auth string such as file:storage"))
                            continue
                        }
                        settings.auth.append(string)
                        authLines.append(item.mark?.line ?? line)
                    }
                default:
                    problems.append(Problem(line: line, key: "auth", message: "expected an auth string or a list of them"))
                }
            case "plugins":
                guard case .sequence(let items) = value else {
                    problems.append(Problem(line: line, key: "plugins", message: "expected a list of plugin entries (- plugin: NAME)"))
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let entry = pluginEntry(item, index: index, registry: registry, problems: &problems) {
                        plugins.append(entry)
                    }
                }
            default:
                guard knownTop.contains(key) else {
                    problems.append(Problem(line: line, key: key, message: "unknown setting; known settings: \(knownTop.sorted().joined(separator: ", "))"))
                    continue
                }
                guard let string = value.scalar?.string else {
                    problems.append(Problem(line: value.mark?.line ?? line, key: key, message: "expected a single value"))
                    continue
                }
                scalars[key] = string
                scalarLines[key] = value.mark?.line ?? line
            }
        }
        do {
            settings.apply(try PluginOptions(scalars, declared: LauncherSettings.scalarOptions))
        } catch {
            for error in error.errors {
                problems.append(Problem(line: scalarLines[error.key] ?? 1, key: error.key, message: error.message))
            }
        }
        if problems.isEmpty && plugins.isEmpty {
            problems.append(Problem(line: 1, key: "plugins", message: "no plugin to run; add at least one entry (- plugin: NAME)"))
        }
        guard problems.isEmpty else {
            throw Errors(path: path, problems: problems.sorted { ($0.line, $0.key) < ($1.line, $1.key) })
        }
        return ConfigFile(path: path, settings: settings, plugins: plugins, authLines: authLines)
    }

    private static func pluginEntry(_ item: Node, index: Int, registry: PluginRegistry, problems: inout [Problem]) -> PluginEntry? {
        let line = item.mark?.line ?? 0
        let where_ = "plugins[\(index)]"
        guard case .mapping(let mapping) = item else {
            problems.append(Problem(line: line, key: where_, message: "expected a mapping with a 'plugin' key"))
            return nil
        }
        guard let nameNode = mapping["plugin"], let name = nameNode.scalar?.string else {
            problems.append(Problem(line: line, key: "\(where_).plugin", message: "missing; name the plugin to run (see `parleyd plugins`)"))
            return nil
        }
        guard let plugin = registry.plugin(named: name) else {
            let known = registry.names.joined(separator: ", ")
            problems.append(Problem(line: nameNode.mark?.line ?? line, key: "\(where_).plugin", message: "unknown plugin '\(name)'; known plugins: \(known)"))
            return nil
        }
        var given: [String: String] = [:]
        var lines: [String: Int] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, key != "plugin" else { continue }
            guard lines[key] == nil else {
                problems.append(Problem(line: keyNode.mark?.line ?? line, key: "\(name).\(key)", message: "set twice; keep one"))
                continue
            }
            lines[key] = keyNode.mark?.line ?? line
            guard let scalar = value.scalar else {
                problems.append(Problem(line: keyNode.mark?.line ?? line, key: "\(name).\(key)", message: "expected a single value"))
                continue
            }
            given[key] = scalar.string
        }
        do {
            return PluginEntry(plugin: plugin, options: try PluginOptions(given, declared: plugin.options), line: line)
        } catch {
            for error in error.errors {
                problems.append(Problem(line: lines[error.key] ?? line, key: "\(name).\(error.key)", message: error.message))
            }
            return nil
        }
    }

    private static func problem(from error: YamlError, text: String) -> Problem {
        if "\(error)".contains("duplicated key"), let duplicate = duplicatedKey(in: "\(error)", text: text) {
            return Problem(line: duplicate.line, key: duplicate.key, message: "set twice; keep one")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return Problem(line: mark.line, key: "-", message: "not valid YAML: \(detail)")
        default:
            return Problem(line: 1, key: "-", message: "not valid YAML: \(error)")
        }
    }

    /// Yams refuses duplicate keys naming only the mapping's first line; find the key's
    /// second occurrence so the error points at the line to fix.
    private static func duplicatedKey(in problem: String, text: String) -> (line: Int, key: String)? {
        guard let open = problem.range(of: "'"), let close = problem[open.upperBound...].range(of: "'") else { return nil }
        let key = String(problem[open.upperBound..<close.lowerBound])
        var seen = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var body = line.drop { $0 == " " }
            if body.hasPrefix("- ") { body = body.dropFirst(2).drop { $0 == " " } }
            if body.hasPrefix(key + ":") {
                seen += 1
                if seen == 2 { return (index + 1, key) }
            }
        }
        return nil
    }
}
