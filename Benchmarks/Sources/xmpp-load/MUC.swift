import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// `xmpp-load muc`: N occupants in one XEP-0045 room; memory per occupant, server CPU per
/// join, server CPU per delivered groupchat copy, and one-way latency at light load
/// (docs/benchmarks-muc.md).
struct MUC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muc",
        abstract: "N sessions enter one MUC room; measure memory per occupant, CPU per join and per delivered copy, latency.",
        discussion: """
            Phases, each on the same server: (1) N sessions log in (not in the room) and the \
            server's RSS is read once it is quiet; (2) occupant 0 enters and creates the room \
            (submitting the instant-room form when the room says 201), then occupants 1…N-1 \
            enter, at most --max-pending-entries waiting for their self-presence; the phase \
            ends when every occupant has received all N² presences; server CPU / (N-1) is the \
            CPU per join; RSS is read again once the server is quiet; (3) --rounds fan-out \
            rounds: senders 0…S-1 post messages round robin within a window, every occupant \
            receives each (N copies a message), server CPU over the round / copies; (4) \
            occupant 0 posts one message at a time, latency to the first and to the last \
            occupant to receive it. All sessions run on one event loop. A refused entry, an error stanza, \
            a closed session or a timeout is a failure, never a figure.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var phases: PhaseOptions
    @Option(help: "Occupants (users PREFIX0…PREFIX{N-1}, nicks nick0…).") var occupants = 100
    @Option(help: "The room's bare JID (default bench@conference.DOMAIN).") var room: String?
    @Option(help: "Copies to deliver per fan-out round (messages = copies / N).") var copies = 200_000
    @Option(help: "Fan-out rounds (each measured on its own).") var rounds = 3
    @Option(help: "Occupants that post in the fan-out rounds (round robin).") var senders = 5
    @Option(help: "Most messages' worth of copies undelivered during a fan-out round.") var window = 20
    @Option(help: "Messages of the light-load latency probe (the first --warmup not counted).") var latencyMessages = 1000
    @Option(help: "Most occupants waiting for their self-presence at once.") var maxPendingEntries = 50
    @Option(help: "Of the occupants, how many are IRC members of the same room (Parley's irc-server; they never send).")
    var ircMembers = 0
    @Option(help: "The IRC server's plain port (with --irc-members).") var ircPort: Int?
    @Option(help: "The room's IRC channel (default #LOCALPART of the room).") var ircChannel: String?

    func validate() throws {
        guard occupants >= 2, copies > 0, rounds >= 0, senders > 0, senders <= occupants, window > 0,
              latencyMessages >= 0, phases.warmup >= 0, phases.intervalUs > 0, maxPendingEntries > 0 else {
            throw ValidationError("--occupants ≥ 2, --senders 1…N, counts positive")
        }
        guard latencyMessages == 0 || latencyMessages > phases.warmup else {
            throw ValidationError("--latency-messages must exceed --warmup (or be 0)")
        }
        guard ircMembers >= 0, occupants - ircMembers >= max(2, senders), ircMembers == 0 || ircPort != nil else {
            throw ValidationError("--irc-members needs --irc-port and leaves at least max(2, --senders) XMPP occupants")
        }
        guard common.threads == 1 else { throw ValidationError("muc keeps every occupant on one event loop: --threads 1") }
    }

    func run() async throws {
        try common.requireTCP(mode: "muc")
        let n = occupants
        let messages = max(1, copies / n)
        let run = try RoomRun(
            mode: "muc", connections: n, phases: phases,
            watchdog: common.timeout ?? (Double(n) / min(phases.ramp, 50) + phases.phaseTimeout * Double(3 + rounds) + 4 * phases.settle + 60))
        let (progress, loop) = (run.progress, run.loop)
        let connector = try Connector(common: common)
        let common = self.common
        let pid = common.serverPID
        let stanzas = MUCStanzas(room: room ?? "bench@conference.\(common.domain)", stanzaBytes: phases.stanzaBytes)
        let xmppCount = n - ircMembers
        let muc = MUCRoom(loop: loop, stanzas: stanzas, xmpp: xmppCount, irc: ircMembers)
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
            ("room", .string(stanzas.room)), ("occupants", .int(n)), ("irc_members", .int(ircMembers)),
            ("stanza_bytes", .int(stanzas.messageBytes)),
        ]
        run.onTimeout = { muc.fail($0) }

        // (1) Sessions, not in the room.
        try await run.logIn(xmppCount, connector: connector, common: common, ramp: phases.ramp) { i, handler in
            handler.observer = muc.members[i]
            muc.sessions[i] = handler
        }
        if ircMembers > 0, let ircPort {
            let channelName = ircChannel ?? "#" + String(stanzas.room.prefix { $0 != "@" })
            for j in 0..<ircMembers {
                let member = MUCIRCMember(
                    index: xmppCount + j, nick: "irc\(j)", account: common.user(xmppCount + j),
                    password: common.password, channel: channelName, room: muc)
                do {
                    let channel = try await member.client.connect(host: common.host, port: ircPort, on: loop).get()
                    run.ircChannels.append(channel)
                    try await loop.submit { muc.ircMembers[j] = member }.get()
                    try await run.within(member.registered.futureResult, "IRC registration of irc\(j)")
                } catch {
                    try await run.abort("IRC member irc\(j): \(error)")
                }
            }
        }
        progress.update { $0.stage = "quiet after login" }
        _ = await ServerQuiet.wait(pid: pid)
        await sleepSeconds(phases.settle)
        let sessionsOnly = Sample.take(serverPID: pid)

        // (2) Entering: occupant 0 creates the room, then everyone else enters.
        progress.update { $0.stage = "create" }
        try await run.within(loop.flatSubmit { muc.enter(from: 0, to: 1, maxPending: 1) }, "creating the room")
        var form = "not needed"
        if try await loop.submit({ muc.created }).get() {
            form = try await run.within(loop.flatSubmit { muc.ask(stanzas.instantRoom(id: "create"), id: "create", from: 0) }, "the instant-room form")
        }
        progress.update { $0.stage = "enter" }
        let beforeEntries = Sample.take(serverPID: pid)
        try await run.within(loop.flatSubmit { muc.enter(from: 1, to: n, maxPending: maxPendingEntries) }, "entering")
        let allEntered = Sample.take(serverPID: pid)
        // Each XMPP occupant hears every occupant's presence once (its own with 110).
        try await run.within(loop.flatSubmit { muc.waitForPresences(xmppCount * n) }, "\(xmppCount * n) presences")
        let allPresences = Sample.take(serverPID: pid)
        progress.update { $0.stage = "quiet after entering" }
        _ = await ServerQuiet.wait(pid: pid)
        await sleepSeconds(phases.settle)
        let inRoom = Sample.take(serverPID: pid)
        let presences = try await loop.submit { muc.presences }.get()
        json += [
            ("created_by_first_entry", .bool(try await loop.submit { muc.created }.get())),
            ("instant_room_form", .string(form)),
            ("presences_received", .int(presences)), ("presences_expected", .int(xmppCount * n)),
            ("entry_seconds", .number(Double(allPresences.wallNanos - beforeEntries.wallNanos) / 1e9, places: 3)),
            ("self_presence_seconds", .number(Double(allEntered.wallNanos - beforeEntries.wallNanos) / 1e9, places: 3)),
        ]
        var human = "\(n) occupants"
        if let t0 = beforeEntries.serverTicks, let t1 = allPresences.serverTicks {
            let perJoin = Double(t1 - t0) / ProcessStats.ticksPerSecond * 1e6 / Double(n - 1)
            json += [
                ("server_cpu_us_per_join", .number(perJoin)),
                ("server_cpu_tick_resolution_us_per_join", .number(1e6 / ProcessStats.ticksPerSecond / Double(n - 1))),
            ]
            human += ", \(JSON.number(perJoin).text) µs CPU/join"
        }
        if let b = sessionsOnly.serverRSSKiB, let a = inRoom.serverRSSKiB {
            let perOccupant = Double(a - b) * 1024 / Double(n)
            json += [
                ("server_rss_sessions_kib", .int(b)), ("server_rss_in_room_kib", .int(a)),
                ("server_bytes_per_occupant", .number(perOccupant, places: 0)),
            ]
            human += ", RSS \(b) → \(a) KiB = \(Int(perOccupant)) B/occupant"
        }

        // (3) Fan-out rounds.
        var perCopy: [Double] = []
        var roundJSON: [JSON] = []
        for r in 0..<rounds {
            progress.update { $0.stage = "fan-out round \(r + 1)" }
            _ = await ServerQuiet.wait(pid: pid)
            let fanout = MUCFanout(room: muc, senders: senders, messages: messages, window: window)
            let before = Sample.take(serverPID: pid)
            loop.execute { fanout.start() }
            let ended = try await run.within(fanout.done.futureResult, "fan-out round \(r + 1)")
            let after = Sample.take(serverPID: pid)
            let seconds = Double(ended - before.wallNanos) / 1e9
            let delivered = fanout.expectedCopies
            var round: [(String, JSON)] = [
                ("messages", .int(messages)), ("copies", .int(delivered)), ("seconds", .number(seconds, places: 3)),
                ("copies_per_second", .number(Double(delivered) / seconds, places: 0)),
                ("generator_cores_busy", .number(Double(after.selfCPUMicros - before.selfCPUMicros) / 1e6 / seconds, places: 2)),
            ]
            if let t0 = before.serverTicks, let t1 = after.serverTicks {
                let cpu = Double(t1 - t0) / ProcessStats.ticksPerSecond
                perCopy.append(cpu * 1e6 / Double(delivered))
                round += [
                    ("server_cpu_seconds", .number(cpu, places: 2)),
                    ("server_cpu_us_per_copy", .number(cpu * 1e6 / Double(delivered), places: 3)),
                    ("server_cores_busy", .number(cpu / seconds, places: 2)),
                ]
            }
            roundJSON.append(.object(round))
        }
        json += [
            ("messages_per_round", .int(messages)), ("senders", .int(senders)), ("window", .int(window)),
            ("rounds", .array(roundJSON)),
        ]
        if !perCopy.isEmpty {
            json.append(("server_cpu_us_per_copy", .number(median(perCopy), places: 3)))
            human += ", \(perCopy.map { JSON.number($0, places: 2).text }.joined(separator: "/")) µs CPU/copy"
        }

        // (4) Light-load latency.
        if latencyMessages > 0 {
            progress.update { $0.stage = "latency" }
            _ = await ServerQuiet.wait(pid: pid)
            let probe = MUCLatency(room: muc, count: latencyMessages, interval: .microseconds(Int64(phases.intervalUs)))
            let before = Sample.take(serverPID: pid)
            loop.execute { probe.start() }
            try await run.within(probe.done.futureResult, "the latency probe")
            let after = Sample.take(serverPID: pid)
            let (first, last) = try await loop.submit { (probe.toFirst, probe.toLast) }.get()
            if let first = LatencySummary(first.dropFirst(phases.warmup)), let last = LatencySummary(last.dropFirst(phases.warmup)) {
                json += [
                    ("latency_messages", .int(latencyMessages)), ("latency_counted", .int(first.count)),
                    ("latency_interval_us", .int(phases.intervalUs)),
                    ("latency_us_first_receiver", first.json), ("latency_us_last_receiver", last.json),
                ]
                human += ", latency to the first \(first.text); to the last \(last.text)"
            }
            if let t0 = before.serverTicks, let t1 = after.serverTicks {
                let wall = Double(after.wallNanos - before.wallNanos) / 1e9
                json.append(("latency_server_cores_busy", .number(Double(t1 - t0) / ProcessStats.ticksPerSecond / wall, places: 3)))
            }
        }

        let others = try await loop.submit { muc.otherMessages }.get()
        json.append(("untimed_messages_received", .int(others)))
        await run.close()
        if let pid { json.append(("server_pid", .int(Int(pid)))) }
        json.append(("generator_max_rss_kib", .int(ProcessStats.selfMaxRSSKiB())))
        try finish(mode: run.mode, ok: true, json: json, human: human)
    }
}
