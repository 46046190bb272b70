import Foundation

/// A real irssi (Debian's /usr/bin/irssi) for the IRC interop tests: it runs in a tmux
/// session on a private tmux socket, with its own home folder and config (one server entry,
/// optionally TLS without verification and SASL PLAIN), and logs every message level of
/// every window to one file that the test reads. Commands are typed with `tmux send-keys`.
/// Stopped by the pids of irssi and of its tmux server.
final class IrssiClient {
    static let irssi = "/usr/bin/irssi"
    static let tmux = "/usr/bin/tmux"

    /// True when irssi and tmux are installed (scripts/install-peers installs them).
    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: irssi) && FileManager.default.isExecutableFile(atPath: tmux)
    }

    let home: TemporaryDirectory
    let nick: String
    let realname: String
    private let socket: String
    private let logPath: String
    private var pids: [pid_t] = []

    /// Starts irssi connecting to `host:port` as `nick` (also the user name), with SASL
    /// PLAIN as `sasl` when given, over TLS (certificate not verified) when `tls`.
    init(nick: String, host: String = "127.0.0.1", port: UInt16, tls: Bool = false,
         sasl: (account: String, password: String)? = nil) throws {
        home = try TemporaryDirectory()
        self.nick = nick
        realname = "Parley irssi \(nick)"
        socket = home.path + "/tmux.sock"
        logPath = home.path + "/all.log"
        let saslLines = sasl.map {
            """
                sasl_mechanism = "PLAIN";
                sasl_username = "\($0.account)";
                sasl_password = "\($0.password)";
            """
        } ?? ""
        // irssi's config syntax (docs/formats.txt of irssi: servers, chatnets, settings, logs).
        let config = """
            servers = (
              {
                address = "\(host)";
                chatnet = "parley";
                port = "\(port)";
                use_tls = "\(tls ? "yes" : "no")";
                tls_verify = "no";
                autoconnect = "yes";
              }
            );
            chatnets = {
              parley = {
                type = "IRC";
            \(saslLines)
              };
            };
            settings = {
              core = {
                real_name = "\(realname)";
                user_name = "\(nick)";
                nick = "\(nick)";
                log_timestamp = "%H:%M:%S ";
              };
              "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "100"; };
              "fe-common/core" = { autolog = "no"; };
            };
            logs = { "\(logPath)" = { auto_open = "yes"; level = "ALL"; }; };

            """
        try config.write(toFile: home.path + "/config", atomically: true, encoding: .utf8)
        let command = "\(Self.irssi) --home=\(home.path) --config=\(home.path)/config"
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", "irssi", "-x", "200", "-y", "50", command])
        let ids = (try? tmux(["display-message", "-p", "-t", "irssi", "#{pid} #{pane_pid}"])) ?? ""
        pids = ids.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard pids.count == 2 else {
            _ = try? tmux(["kill-server"])
            throw TestFailure("tmux did not report its pids: \(ids)")
        }
    }

    /// Everything irssi logged so far.
    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// What the tmux pane shows now (for failure messages).
    var screen: String {
        (try? tmux(["capture-pane", "-p", "-t", "irssi"])) ?? ""
    }

    /// Types `line` into irssi's input and presses Enter.
    func type(_ line: String) throws {
        try tmux(["send-keys", "-t", "irssi", "-l", line])
        try tmux(["send-keys", "-t", "irssi", "Enter"])
    }

    /// Waits until a log line matches `predicate`, looking only at lines after the first
    /// `after` characters of the log; returns the line and where the log ended then.
    @discardableResult
    func waitForLog(
        _ what: String, after: Int = 0, timeout: TimeInterval = 20, where predicate: (Substring) -> Bool
    ) throws -> (line: String, end: Int) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = log
            let tail = text.utf8.count > after ? Substring(text.utf8.dropFirst(after)) : ""
            if let line = tail.split(separator: "\n").first(where: predicate) { return (String(line), text.utf8.count) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("irssi never logged \(what) within \(timeout) s; log:\n\(log)\nscreen:\n\(screen)")
    }

    /// Waits for a log line containing every one of `needles`.
    @discardableResult
    func waitForLog(containing needles: String..., after: Int = 0, timeout: TimeInterval = 20) throws
        -> (line: String, end: Int)
    {
        try waitForLog(needles.joined(separator: " … "), after: after, timeout: timeout) { line in
            needles.allSatisfy { line.contains($0) }
        }
    }

    /// The current length of the log (UTF-8 bytes), to wait only for what comes next.
    var logEnd: Int { log.utf8.count }

    /// Stops irssi and its tmux server by their pids.
    func stop() {
        for pid in pids.reversed() where kill(pid, 0) == 0 {
            kill(pid, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, pids.contains(where: { kill($0, 0) == 0 }) { Thread.sleep(forTimeInterval: 0.05) }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        pids = []
    }

    deinit { stop() }

    /// Runs the tmux client to completion. COMPAT: not through Foundation's `Process`: the
    /// client forks the tmux server and exits at once, and Foundation then never noticed its
    /// exit (the test hung in `waitUntilExit` with the client a zombie). posix_spawn +
    /// waitpid on its own pid, output through a file, with a deadline.
    @discardableResult
    private func tmux(_ arguments: [String], timeout: TimeInterval = 10) throws -> String {
        let output = home.path + "/tmux.out"
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        environment["LANG"] = "C.UTF-8"
        environment.removeValue(forKey: "TMUX")
        let argv = ([Self.tmux, "-S", socket] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, Self.tmux, &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestFailure("cannot start tmux: errno \(spawned)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 { status = 0; break }  // reaped elsewhere: judge by the output
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw TestFailure("tmux \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestFailure("tmux \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }
}
