import LoadSupport
import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `router-load`: connects two external components (XEP-0114) to a router and measures how
/// many stanzas a second it forwards between them (docs/benchmarks-components.md, "The
/// router between two external components").
@main
struct RouterLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router-load",
        abstract: "Forwards messages between two XEP-0114 components through a router and measures it.",
        discussion: """
            Component A sends --messages chat messages to component B (--direction one), or each \
            sends half to the other (both), pipelined: a sender stays at most --window messages \
            ahead of what its peer received. Prints one JSON object on stdout and a line for people \
            on stderr; exits non-zero on any error or after --timeout seconds.
            """)

    @Option(help: "Router address.") var host = "127.0.0.1"
    @Option(help: "Router component port.") var port: Int = 5347
    @Option(help: "Domain of component A.") var domainA = "a.bench.localhost"
    @Option(help: "Secret of component A.") var secretA = "a-secret"
    @Option(help: "Domain of component B.") var domainB = "b.bench.localhost"
    @Option(help: "Secret of component B.") var secretB = "b-secret"
    @Option(help: "Messages in all.") var messages = 500_000
    @Option(help: "one (A to B) or both (half each way).") var direction = "one"
    @Option(help: "Most messages a sender is ahead of its receiver.") var window = 5_000
    @Option(help: "Messages per write.") var batch = 50
    @Option(help: "Pid of the router, for its CPU time from /proc.") var serverPID: Int32?
    @Option(help: "Hard limit on the run in seconds.") var timeout: Double = 300

    func validate() throws {
        guard direction == "one" || direction == "both" else { throw ValidationError("--direction is one or both") }
        guard messages > 0, window > 0, batch > 0, batch <= window else {
            throw ValidationError("--messages, --window and --batch must be positive, --batch at most --window")
        }
    }

    /// One message from `from` to `to`, always the same length.
    static func message(from: String, to: String) -> String {
        "<message from='load@\(from)' to='sink@\(to)' type='chat' id='bench'><body>router load test message</body></message>"
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await measure(on: group.next())
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }

    private func measure(on loop: any EventLoop) async throws {
        let quota = direction == "one" ? [messages, 0] : [messages / 2, messages - messages / 2]
        let allocator = ByteBufferAllocator()
        let batches = [(domainA, domainB), (domainB, domainA)].map { from, to in
            var buffer = allocator.buffer(capacity: 0)
            for _ in 0..<batch { buffer.writeString(Self.message(from: from, to: to)) }
            return buffer
        }
        let run = try await loop.submit {
            LoadRun(loop: loop, quota: quota, window: window, batch: batch, batches: batches)
        }.get()
        let components = [(domainA, secretA), (domainB, secretB)]
        var channels: [any Channel] = []
        for (index, (domain, secret)) in components.enumerated() {
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ComponentLoadHandler(domain: domain, secret: secret, run: run, index: index)
                        run.attach(handler)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
            channels.append(channel)
        }
        defer { for channel in channels { channel.close(promise: nil) } }
        let deadline = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            run.failed("timed out after \(timeout) s")
        }
        do {
            try await run.started.futureResult.get()
        } catch {
            deadline.cancel()
            try report(ok: false, error: "\(error)")
        }
        let serverBefore = serverPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
        let selfBefore = ProcessStats.selfCPUMicros()
        try await loop.submit { run.go() }.get()
        do {
            try await run.done.futureResult.get()
        } catch {
            deadline.cancel()
            let got = try await loop.submit { run.received }.get()
            try report(ok: false, error: "\(error) (received \(got[0] + got[1]) of \(messages))")
        }
        deadline.cancel()
        let serverAfter = serverPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
        let selfAfter = ProcessStats.selfCPUMicros()
        let (start, end) = try await loop.submit { (run.startedAt, run.endedAt) }.get()
        let seconds = Double(end - start) / 1e9
        var fields: [(String, String)] = [
            ("messages", "\(messages)"), ("direction", "\"\(direction)\""), ("window", "\(window)"),
            ("seconds", format(seconds)), ("stanzas_per_second", format(Double(messages) / seconds)),
            ("generator_cores_busy", format(Double(selfAfter - selfBefore) / 1e6 / seconds)),
        ]
        if let serverBefore, let serverAfter {
            let cpu = Double(serverAfter - serverBefore) / ProcessStats.ticksPerSecond
            fields.append(("server_cpu_us_per_stanza", format(cpu * 1e6 / Double(messages))))
            fields.append(("server_cores_busy", format(cpu / seconds)))
        }
        try report(ok: true, fields: fields)
    }

    private func format(_ value: Double) -> String { String(Int((value * 100).rounded())) .withDecimal }

    private func report(ok: Bool, error: String? = nil, fields: [(String, String)] = []) throws {
        var parts = ["\"ok\":\(ok)"] + fields.map { "\"\($0.0)\":\($0.1)" }
        if let error { parts.append("\"error\":\"\(error.replacingOccurrences(of: "\"", with: "'"))\"") }
        print("{" + parts.joined(separator: ",") + "}")
        let human = ok ? fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ") : "FAILED: \(error ?? "?")"
        FileHandle.standardError.write(Data("router-load: \(human)\n".utf8))
        if !ok { throw ExitCode(1) }
    }
}

extension String {
    /// "12345" (hundredths) → "123.45".
    fileprivate var withDecimal: String {
        let negative = hasPrefix("-")
        var digits = negative ? String(dropFirst()) : self
        while digits.count < 3 { digits = "0" + digits }
        return (negative ? "-" : "") + digits.dropLast(2) + "." + digits.suffix(2)
    }
}
