import ArgumentParser
import LoadSupport
import Logging
import ParleyCore
import ParleyCred
import ParleyLDAP

/// `ldap-login logins`: LDAP-backed PLAIN logins through a Portal, as fast as
/// `--concurrency` tasks can make them.
struct Logins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Logs in users PREFIX0…PREFIX{N-1} through an ldap: checker and a Portal.")

    @Option(help: "The auth string (ldap:uri=…;base=…;bind-dn=…;bind-password=…;pool=…).") var auth: String
    @Option(help: "Users in the directory: PREFIX0 … PREFIX{N-1}, picked at random.") var users: Int = 1000
    @Option(help: "User name prefix.") var prefix = "load"
    @Option(help: "Every user's password.") var password = "bulk-secret"
    @Option(help: "Logins in flight (tasks calling authenticate in a loop).") var concurrency: Int = 64
    @Option(help: "Seconds measured.") var seconds: Double = 10
    @Option(help: "Seconds of logins before the measured part (not counted).") var warmup: Double = 2
    @Option(help: "Pid of the LDAP server, for its CPU time per login from /proc.") var serverPID: Int32?
    @Option(help: "Hard limit on the whole run in seconds.") var timeout: Double = 180

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive") }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1…10000") }
        guard seconds > 0, warmup >= 0 else { throw ValidationError("--seconds must be positive, --warmup not negative") }
    }

    /// A realm that hands out nothing: the benchmark measures the checkers only.
    struct BenchRealm: Realm {
        func requestAvatar(for user: Username, mind: Void) async throws -> (avatar: Void, logout: @Sendable () async -> Void) {
            ((), {})
        }
    }

    /// What one task saw in the measured window.
    struct Tally: Sendable {
        var latencies = Latencies()
        var failures: [String: Int] = [:]
        var samples: [String: String] = [:]
    }

    func run() async throws {
        startWatchdog(mode: "logins", seconds: timeout)
        var logger = Logger(label: "ldap-login")
        logger.logLevel = .error  // a down server would log every failed login; the report counts them
        let registry = AuthKindRegistry(builtins: false)
        let checker: any CredentialChecker
        do {
            try LDAPAuthKind.register(in: registry)
            checker = try registry.makeChecker(from: auth, context: AuthContext(logger: logger))
        } catch {
            try Report().emit(mode: "logins", ok: false, error: "\(error)")
            return
        }
        let portal = Portal(realm: BenchRealm(), checkers: [checker], logger: logger)

        let begin = ProcessStats.nowNanos()
        let measureFrom = begin + UInt64(warmup * 1e9)
        let measureTo = measureFrom + UInt64(seconds * 1e9)
        // CPU figures are read when the measured window opens, by a task that sleeps until then.
        let cpuAtStart = Task { () -> (me: Int, server: Int?) in
            let now = ProcessStats.nowNanos()
            if measureFrom > now { try? await Task.sleep(nanoseconds: measureFrom - now) }
            return (ProcessStats.selfCPUMicros(), serverPID.flatMap(ProcessStats.cpuTicks(pid:)))
        }
        let (users, prefix, password, concurrency) = (self.users, self.prefix, self.password, self.concurrency)
        let total = await withTaskGroup(of: Tally.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var tally = Tally()
                    while true {
                        let started = ProcessStats.nowNanos()
                        if started >= measureTo { break }
                        let name = prefix + String(Int.random(in: 0..<users))
                        var failure: String?
                        var detail = ""
                        do {
                            _ = try await portal.authenticate(UsernamePassword(username: name, password: password))
                        } catch let error as CredentialError {
                            failure = Self.reason(error)
                            detail = error.logDescription
                        } catch {
                            failure = "other"
                            detail = "\(error)"
                        }
                        let ended = ProcessStats.nowNanos()
                        guard started >= measureFrom, ended <= measureTo else { continue }
                        if let failure {
                            tally.failures[failure, default: 0] += 1
                            if tally.samples[failure] == nil { tally.samples[failure] = detail }
                        } else {
                            tally.latencies.append(ended - started)
                        }
                    }
                    return tally
                }
            }
            var total = Tally()
            for await tally in group {
                total.latencies.append(contentsOf: tally.latencies)
                total.failures.merge(tally.failures, uniquingKeysWith: +)
                total.samples.merge(tally.samples) { first, _ in first }
            }
            return total
        }
        let cpuEnd = (me: ProcessStats.selfCPUMicros(), server: serverPID.flatMap(ProcessStats.cpuTicks(pid:)))
        let cpuStart = await cpuAtStart.value

        let ok = total.latencies.count
        let failed = total.failures.values.reduce(0, +)
        var report = Report()
        report.add("auth", Self.redacted(auth))
        report.add("concurrency", concurrency)
        report.add("users", users)
        report.add("seconds", seconds)
        report.add("logins", ok)
        report.add("failures", failed)
        report.add("logins_per_second", Double(ok) / seconds, places: 1)
        report.add(latencies: total.latencies, prefix: "latency")
        let attempts = max(1, ok + failed)
        report.add("bench_cpu_us_per_login", Double(cpuEnd.me - cpuStart.me) / Double(attempts), places: 1)
        report.add("bench_cores_busy", Double(cpuEnd.me - cpuStart.me) / 1e6 / seconds)
        if let before = cpuStart.server, let after = cpuEnd.server {
            let micros = Double(after - before) / ProcessStats.ticksPerSecond * 1e6
            report.add("server_cpu_us_per_login", micros / Double(attempts), places: 1)
            report.add("server_cores_busy", micros / 1e6 / seconds)
        }
        report.add("failures_by_reason", counts: total.failures)
        if let (reason, sample) = total.samples.min(by: { $0.key < $1.key }) {
            report.add("failure_sample", "\(reason): \(sample)")
        }
        let good = ok > 0 && failed == 0
        try report.emit(mode: "logins", ok: good, error: good ? nil : ok == 0 ? "no login succeeded" : "\(failed) logins failed")
    }

    /// A short name for why a login failed (the case, not the per-user detail).
    static func reason(_ error: CredentialError) -> String {
        switch error {
        case .unknownUser: "unknown-user"
        case .wrongPassword: "wrong-password"
        case .accountDisabled: "account-disabled"
        case .unsupportedCredentials: "unsupported-credentials"
        case .malformedRequest: "malformed-request"
        case .invalidAuthzid: "invalid-authzid"
        case .invalidMechanism: "invalid-mechanism"
        case .encryptionRequired: "encryption-required"
        case .aborted: "aborted"
        case .temporaryFailure: "temporary-failure"
        }
    }

    /// The auth string with any `bind-password=` value hidden.
    static func redacted(_ auth: String) -> String {
        auth.split(separator: ";", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("bind-password=") ? "bind-password=…" : String(part)
        }.joined(separator: ";")
    }
}
