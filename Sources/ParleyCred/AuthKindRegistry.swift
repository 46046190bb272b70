import Logging
import Synchronization

/// What an `--auth` factory may need besides its argument.
public struct AuthContext: Sendable {
    /// The storage directory (`--storage`), used by `file` without an argument.
    public var storageDirectory: String
    /// Where checkers log.
    public var logger: Logger
    /// The SCRAM iteration count for records a checker derives.
    public var iterations: Int

    public init(storageDirectory: String = "storage", logger: Logger, iterations: Int = SCRAMRecord.defaultIterations) {
        self.storageDirectory = storageDirectory
        self.logger = logger
        self.iterations = iterations
    }
}

/// Why an `--auth` string was refused. The description is meant for the operator.
public enum AuthStringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind before the first `:` is not registered; `known` lists every kind with
    /// its summary.
    case unknownKind(String, known: [AuthKindRegistry.KindInfo])
    /// The kind is known and its argument is wrong.
    case invalidArgument(kind: String, message: String)
    /// `register` was called twice for one kind.
    case duplicateKind(String)

    public var description: String {
        switch self {
        case .unknownKind(let kind, let known):
            let list = known.map { "\($0.name) (\($0.summary))" }.joined(separator: ", ")
            let what = kind.isEmpty ? "empty auth string" : "unknown auth kind '\(kind)'"
            return "\(what); known kinds: \(list)"
        case .invalidArgument(let kind, let message):
            return "\(kind): \(message)"
        case .duplicateKind(let kind):
            return "auth kind '\(kind)' is already registered"
        }
    }
}

/// The `--auth` kinds, in the manner of Twisted's strcred: a string `KIND[:ARGUMENT]`
/// names a factory that makes a credential checker. `default` knows `file`, `memory` and
/// `anonymous`; a plugin adds its own kind with `register(kind:summary:factory:)`.
public final class AuthKindRegistry: Sendable {
    /// Builds a checker from the argument after `KIND:` (nil when there was no `:`).
    public typealias Factory = @Sendable (_ argument: String?, _ context: AuthContext) throws -> any CredentialChecker

    /// A kind's name and one-line summary.
    public struct KindInfo: Sendable, Hashable {
        public let name: String
        public let summary: String
    }

    struct Kind: Sendable {
        var info: KindInfo
        var factory: Factory
    }

    private let kinds = Mutex<[String: Kind]>([:])

    /// The registry `parleyd` uses, with the built-in kinds.
    public static let `default` = AuthKindRegistry()

    /// A registry with the built-in kinds `anonymous`, `file` and `memory` (or none).
    public init(builtins: Bool = true) {
        guard builtins else { return }
        try! register(kind: "file", summary: "flat files under DIR (default: the storage directory), file[:DIR]") {
            argument, context in
            if argument?.isEmpty == true { throw AuthStringError.invalidArgument(kind: "file", message: "empty directory") }
            do {
                return try FlatFileStore(
                    directory: argument ?? context.storageDirectory, iterations: context.iterations,
                    logger: context.logger)
            } catch {
                throw AuthStringError.invalidArgument(kind: "file", message: "\(error)")
            }
        }
        try! register(kind: "memory", summary: "accounts in memory, memory:USER:PASS[,USER:PASS...]") {
            argument, context in
            try Self.makeMemoryChecker(argument, iterations: context.iterations)
        }
        try! register(kind: "anonymous", summary: "anyone may log in under a generated name, anonymous") {
            argument, _ in
            guard argument == nil else {
                throw AuthStringError.invalidArgument(kind: "anonymous", message: "takes no argument")
            }
            return AnonymousChecker()
        }
    }

    /// Adds a kind. Throws `.duplicateKind` when `kind` is taken; kind names are
    /// lower-case letters, digits and `-`.
    public func register(kind: String, summary: String, factory: @escaping Factory) throws(AuthStringError) {
        guard !kind.isEmpty, kind.utf8.allSatisfy(TextFormat.isKeyByte) else {
            throw .invalidArgument(kind: kind, message: "a kind name is lower-case letters, digits and '-'")
        }
        try kinds.withLock { (kinds) throws(AuthStringError) in
            guard kinds[kind] == nil else { throw .duplicateKind(kind) }
            kinds[kind] = Kind(info: KindInfo(name: kind, summary: summary), factory: factory)
        }
    }

    /// Every kind with its summary, sorted by name.
    public var knownKinds: [KindInfo] {
        kinds.withLock { $0.values.map(\.info) }.sorted { $0.name < $1.name }
    }

    /// Makes the checker an `--auth` string describes.
    public func makeChecker(from string: String, context: AuthContext) throws(AuthStringError) -> any CredentialChecker {
        let colon = string.firstIndex(of: ":")
        let name = String(string[..<(colon ?? string.endIndex)])
        let argument = colon.map { String(string[string.index(after: $0)...]) }
        guard let kind = kinds.withLock({ $0[name] }) else { throw .unknownKind(name, known: knownKinds) }
        do {
            return try kind.factory(argument, context)
        } catch let error as AuthStringError {
            throw error
        } catch {
            throw .invalidArgument(kind: name, message: "\(error)")
        }
    }

    /// `memory:USER:PASS[,USER:PASS...]`: the password is everything after the first `:`
    /// of an entry, so it may contain `:` but not `,`.
    static func makeMemoryChecker(_ argument: String?, iterations: Int) throws(AuthStringError) -> InMemoryChecker {
        guard let argument, !argument.isEmpty else {
            throw .invalidArgument(kind: "memory", message: "needs USER:PASS[,USER:PASS...]")
        }
        var accounts: [(username: String, password: String)] = []
        for (offset, entry) in argument.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            guard let colon = entry.firstIndex(of: ":") else {
                throw .invalidArgument(
                    kind: "memory", message: "entry \(offset + 1) '\(entry.prefix(64))' has no ':' between user and password")
            }
            accounts.append((String(entry[..<colon]), String(entry[entry.index(after: colon)...])))
        }
        do {
            return try InMemoryChecker(accounts: accounts, iterations: iterations)
        } catch {
            throw .invalidArgument(kind: "memory", message: error.description)
        }
    }
}
