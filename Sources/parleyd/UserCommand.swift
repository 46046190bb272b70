import ArgumentParser
import Foundation
import Logging
import ParleyCore
import ParleyCred
import Synchronization

/// `parleyd user add|passwd|del|list`: manages accounts in the flat-file store.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts in the flat-file store.",
        subcommands: [Add.self, Import.self, Passwd.self, Delete.self, List.self, Hash.self])

    struct StoreOptions: ParsableArguments {
        @Option(help: "The data directory (holds accounts/ and contacts/).") var storage = "storage"

        func store() throws -> FlatFileStore {
            try FlatFileStore(directory: storage, logger: Logger(label: "parleyd.user"))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Create an account; the password is asked for, or read from standard input.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let username = try UserCommand.username(name)
            let password = try PasswordInput.read(confirm: true)
            try store.store().addAccount(username, password: password)
            print("created \(username) in \(store.storage)/accounts")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Create many accounts from standard input: one 'name password' per line.",
            discussion: "Lines that are empty or start with # are skipped. Accounts are created on every core; a line that fails is reported with its number and the others go on.")
        @OptionGroup var store: StoreOptions
        @Option(help: "PBKDF2 iterations of the new SCRAM keys (RFC 7677 asks for at least 4096).")
        var iterations = SCRAMRecord.defaultIterations

        func run() async throws {
            var logger = Logger(label: "parleyd.user")
            logger.logLevel = .warning  // one line per account would drown the summary
            let target = try FlatFileStore(directory: store.storage, iterations: iterations, logger: logger)
            var entries: [(line: Int, name: String, password: String)] = []
            var number = 0
            while let line = readLine(strippingNewline: true) {
                number += 1
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                    throw ValidationError("line \(number): expected 'name password'")
                }
                entries.append((number, String(trimmed[..<space]), String(trimmed[space...].dropFirst())))
            }
            let work = entries
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: work.count) { index in
                let entry = work[index]
                do {
                    try target.addAccount(try UserCommand.username(entry.name), password: entry.password)
                } catch {
                    failures.withLock { $0.append("line \(entry.line): \(entry.name): \(error)") }
                }
            }
            let failed = failures.withLock { $0 }.sorted()
            for failure in failed { FileHandle.standardError.write(Data((failure + "\n").utf8)) }
            print("created \(entries.count - failed.count) of \(entries.count) accounts in \(store.storage)/accounts")
            if !failed.isEmpty { throw ExitCode(1) }
        }
    }

    /// Prints the SCRAM-SHA-256 record of a password, for files that name a password
    /// without holding it (irc-server's `opers-file`).
    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print the SCRAM-SHA-256 record of a password (asked for, or read from standard input).")

        func run() async throws {
            let password = try PasswordInput.read(confirm: true)
            print(try SCRAMRecord.derive(password: password, algorithm: .sha256).text)
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Change an account's password.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let username = try UserCommand.username(name)
            let password = try PasswordInput.read(confirm: true)
            try store.store().setPassword(username, password: password)
            print("changed the password of \(username)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "del", abstract: "Delete an account and its contact list.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let username = try UserCommand.username(name)
            try store.store().removeAccount(username)
            print("deleted \(username)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            for name in try store.store().listAccounts() { print(name) }
        }
    }

    static func username(_ raw: String) throws -> Username {
        guard let username = Username(raw) else {
            throw ValidationError("'\(raw)' is not a valid user name (no spaces, @, /, :, quotes, < > or &)")
        }
        return username
    }
}

/// Reads a password: from the terminal without echo (asked twice), or one line of
/// standard input when it is not a terminal (for scripts: `echo pw | parleyd user add bob`).
enum PasswordInput {
    static func read(confirm: Bool) throws -> String {
        if isatty(0) == 0 {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            return line
        }
        let first = try prompt("Password: ")
        if confirm {
            guard try prompt("Again: ") == first else { throw ValidationError("the passwords differ") }
        }
        guard !first.isEmpty else { throw ValidationError("the password is empty") }
        return first
    }

    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(0, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &silent)
        defer {
            tcsetattr(0, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password given") }
        return line
    }
}
