import Foundation
import Testing

/// `parleyd --load-plugin`: the example store in plugins/example-store, built as a shared
/// library against this build's modules and loaded by the real binary, adds the
/// `passwd-file` auth kind; bad libraries are refused with a clear message.
@Suite(.serialized) struct LoadPluginEndToEndTests {
    /// The example store, built once for the whole suite into the folder of the parleyd
    /// under test (plugins/example-store/build.sh BIN_PATH): its path, or why it failed.
    /// scripts/test builds it before any test runs and passes it in
    /// `PARLEY_EXAMPLE_STORE`, so that the compiler does not compete for the two cores
    /// with the other end-to-end suites' daemons.
    static let builtLibrary: (path: String?, failure: String) = {
        if let prebuilt = ProcessInfo.processInfo.environment["PARLEY_EXAMPLE_STORE"],
            FileManager.default.fileExists(atPath: prebuilt)
        {
            return (prebuilt, "")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("plugins/example-store/build.sh").path
        let binPath = URL(fileURLWithPath: ParleydProcess.binary).deletingLastPathComponent().path
        do {
            let result = try ChildProcess.run("/bin/sh", [script, binPath], timeout: 180)
            let path = result.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
            guard result.status == 0, FileManager.default.fileExists(atPath: path) else {
                return (nil, "build.sh failed (\(result.status)):\n\(result.stdoutText)\n\(result.stderrText)")
            }
            return (path, "")
        } catch {
            return (nil, "build.sh did not finish: \(error)")
        }
    }()

    static func library() throws -> String {
        guard let path = builtLibrary.path else { throw TestFailure(builtLibrary.failure) }
        return path
    }

    /// `name:hash` with a SHA-512-crypt hash made by `openssl passwd -6`.
    static func passwdLine(_ name: String, _ password: String) throws -> String {
        let made = try ChildProcess.run("/usr/bin/openssl", ["passwd", "-6", "-stdin"], input: password + "\n")
        let hash = made.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard made.status == 0, hash.hasPrefix("$6$") else { throw TestFailure("openssl passwd: \(made.stderrText)") }
        return "\(name):\(hash)"
    }

    /// A client that logged in or was refused: the reply to LOGIN.
    static func login(port: UInt16, _ user: String, _ password: String) throws -> String {
        let client = try LineClient(port: port)
        try client.expect(prefix: "HELLO")
        client.send("LOGIN \(user) \(password)")
        return try client.expect { $0.hasPrefix("OK") || $0.hasPrefix("ERR") }
    }

    @Test func passwdFileStoreLogsInAndRefuses() throws {
        let library = try Self.library()
        let dir = try TemporaryDirectory()
        let passwd = dir.path + "/users.passwd"
        try "# test users\n\(try Self.passwdLine("alice", "wonderland"))\n".write(
            toFile: passwd, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess([
            "text-chat", "--port", "0", "--storage", dir.path + "/storage", "--load-plugin", library,
            "--auth", "passwd-file:" + passwd,
        ])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "text-chat")

        #expect(try Self.login(port: port, "alice", "wonderland").hasPrefix("OK logged in as alice@localhost/"))
        #expect(try Self.login(port: port, "Alice", "looking-glass").hasPrefix("ERR not-authorized"))
        #expect(try Self.login(port: port, "carol", "wonderland").hasPrefix("ERR not-authorized"))
        _ = try daemon.waitForLog("wrong password or proof for 'alice'")
        _ = try daemon.waitForLog("unknown user 'carol'")

        // A changed file is read again on the next login, without a restart.
        try "\(try Self.passwdLine("alice", "looking-glass"))\n".write(toFile: passwd, atomically: true, encoding: .utf8)
        #expect(try Self.login(port: port, "alice", "looking-glass").hasPrefix("OK logged in as alice@localhost/"))
        #expect(try Self.login(port: port, "alice", "wonderland").hasPrefix("ERR not-authorized"))

        // An unreadable file is a temporary failure that names it, not "wrong password".
        try FileManager.default.removeItem(atPath: passwd)
        #expect(try Self.login(port: port, "alice", "looking-glass").hasPrefix("ERR"))
        _ = try daemon.waitForLog("passwd-file \(passwd) cannot be read")
    }

    /// `--auth passwd-file:FILE --auth file`: a user the passwd file does not know falls
    /// through to the flat-file store; a wrong password for a passwd-file user does not.
    /// `--load-plugin` is accepted after the plugin name too.
    @Test func chainFallsThroughToFlatFiles() throws {
        let library = try Self.library()
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        try ParleydProcess.addUser("bob", password: "builder", storage: storage)
        let passwd = dir.path + "/users.passwd"
        try "\(try Self.passwdLine("alice", "wonderland"))\n".write(toFile: passwd, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess([
            "text-chat", "--port", "0", "--storage", storage, "--auth", "passwd-file:" + passwd, "--auth", "file",
            "--load-plugin", library,
        ])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "text-chat")

        #expect(try Self.login(port: port, "bob", "builder").hasPrefix("OK logged in as bob@localhost/"))
        #expect(try Self.login(port: port, "alice", "wonderland").hasPrefix("OK logged in as alice@localhost/"))
        #expect(try Self.login(port: port, "bob", "wonderland").hasPrefix("ERR not-authorized"))
    }

    @Test func missingLibraryExitsWithClearMessage() throws {
        let result = try ParleydProcess.run(["--load-plugin", "/nonexistent.so", "text-chat"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("parleyd: --load-plugin /nonexistent.so: no such file"), "\(result.stderr)")
    }

    @Test func loadingTwiceReportsTheDuplicateKind() throws {
        let library = try Self.library()
        let result = try ParleydProcess.run(["--load-plugin", library, "--load-plugin", library, "text-chat", "--port", "0"])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "parleyd: --load-plugin \(library): parley_plugin_register failed: auth kind 'passwd-file' is already registered"),
            "\(result.stderr)")
    }

    @Test func loadedKindIsListedAndChecked() throws {
        let library = try Self.library()
        let listed = try ParleydProcess.run(["--load-plugin", library, "plugins"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("passwd-file"))
        #expect(!(try ParleydProcess.run(["plugins"])).stdout.contains("passwd-file"))

        let dir = try TemporaryDirectory()
        let passwd = dir.path + "/users.passwd"
        try "# ok\n\(try Self.passwdLine("alice", "x"))\nbob:plaintext\n".write(
            toFile: passwd, atomically: true, encoding: .utf8)
        let config = dir.path + "/parley.yaml"
        try "storage: \(dir.path)/storage\nauth: passwd-file:\(passwd)\nplugins:\n  - plugin: text-chat\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let checked = try ParleydProcess.run(["check-config", config, "--load-plugin", library])
        #expect(checked.status == 1)
        #expect(checked.stdout.contains("\(passwd):3: not a crypt(3) hash"), "\(checked.stdout)\(checked.stderr)")

        let refused = try ParleydProcess.run([
            "text-chat", "--port", "0", "--storage", dir.path + "/storage", "--load-plugin", library,
            "--auth", "passwd-file:" + passwd,
        ])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(passwd):3: not a crypt(3) hash"), "\(refused.stderr)")
    }
}
