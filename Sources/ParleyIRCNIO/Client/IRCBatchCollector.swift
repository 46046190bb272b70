import ParleyIRC

/// The server batches (IRCv3 batch) that the client collects and reports whole: a
/// `draft/multiline` batch becomes one message, a `chathistory` batch one history reply.
/// Every other batch type is left alone (its lines are reported one by one, as without the
/// `batch` capability). The peer controls what it sends, so everything is bounded: the
/// batches open at once, the lines and bytes of each, how long one may stay open; a batch
/// that breaks a bound is cut short, delivered with what it had, and reported
/// (`IRCClientEvent.batchLimited`). A value; `IRCClientState` feeds it.
struct IRCBatchCollector: Sendable {
    /// What the collector reports.
    enum Output: Sendable, Equatable {
        case message(IRCMessage)
        case history(target: String, [IRCMessage])
        case limited(type: String, reason: String)
    }

    /// The bounds on what the server sends.
    struct Bounds: Sendable {
        /// Collected batches open at once; one more closes the oldest first.
        var openBatches = 8
        /// Lines of a multiline batch when the server does not advertise `max-lines`, and
        /// the most kept whatever it advertises.
        var multilineLines = 100
        var multilineLinesCeiling = 1_000
        /// Bytes of a multiline batch's combined value, whatever `max-bytes` says.
        var multilineBytesCeiling = 65_536
        /// Messages of one chathistory batch.
        var historyLines = 1_000
        /// Lines received (of any kind) while a batch is open before it counts as never
        /// closed and is delivered as it is.
        var span = 2_000
        /// References of cut batches remembered, so that their stragglers are dropped.
        var forgotten = 16
    }

    enum Kind: Sendable { case multiline, history }

    struct Batch: Sendable {
        let kind: Kind
        let target: String
        let opening: IRCMessage
        /// The reference of the batch this one is nested in (multiline inside chathistory).
        let parent: String?
        let openedAt: Int
        var lines: [IRCMessage] = []
        var bytes = 0
        var dropped = 0
        /// A line went over a limit: every later one is dropped too, so that what is
        /// delivered is the start of the message, with nothing missing inside it.
        var full = false
    }

    var bounds = Bounds()
    /// The multiline limits the server advertised (nil: the capability is not enabled).
    var multiline: IRCMultiline.Limits?
    /// Whether `draft/chathistory` (with `batch`) is enabled.
    var collectsHistory = false
    private(set) var open: [String: Batch] = [:]
    private var order: [String] = []
    private var cut: [String] = []
    private var received = 0

    /// Forgets every open batch (a new connection).
    mutating func reset() {
        open = [:]
        order = []
        cut = []
        received = 0
    }

    /// What the collector did with a message: what it completed (batches closed, cut
    /// short), and whether it took the message (a `BATCH` line of a collected batch, or a
    /// line tagged with one); a message not taken is handled as usual.
    struct Taken: Sendable {
        var outputs: [Output] = []
        var taken = false
    }

    mutating func take(_ message: IRCMessage) -> Taken {
        guard !open.isEmpty || !cut.isEmpty || message.command == "BATCH" else { return Taken() }
        received += 1
        var result = Taken(outputs: expire())
        if message.command == "BATCH", let first = message.parameters.first {
            let reference = String(first.dropFirst())
            if first.hasPrefix("+"), message.parameters.count >= 3, let kind = kind(of: message.parameters[1]) {
                result.outputs += start(reference, kind: kind, message: message)
                result.taken = true
                return result
            }
            if first.hasPrefix("-"), open[reference] != nil || cut.contains(reference) {
                result.outputs += finish(reference)
                result.taken = true
                return result
            }
        }
        guard let reference = message.tag("batch").flatMap({ $0 }), open[reference] != nil || cut.contains(reference) else {
            return result
        }
        result.taken = true
        if var batch = open[reference] {
            add(message, to: &batch)
            open[reference] = batch
        }
        return result
    }

    private func kind(of type: String) -> Kind? {
        switch type {
        case IRCMultiline.batchType where multiline != nil: .multiline
        case IRCChatHistory.batchType where collectsHistory: .history
        default: nil
        }
    }

    private mutating func start(_ reference: String, kind: Kind, message: IRCMessage) -> [Output] {
        var outputs: [Output] = []
        if open[reference] != nil { outputs += finish(reference, reason: "opened again before it was closed") }
        // batch §"Nested batches": a multiline batch inside a chathistory reply is one of its messages.
        let parent = message.tag("batch").flatMap { $0 }.flatMap { open[$0] != nil ? $0 : nil }
        if open.count >= bounds.openBatches, let oldest = order.first {
            outputs += finish(oldest, reason: "more than \(bounds.openBatches) batches open at once")
        }
        open[reference] = Batch(
            kind: kind, target: message.parameters[2], opening: message, parent: parent, openedAt: received)
        order.append(reference)
        return outputs
    }

    /// Batches open for longer than `bounds.span` lines are delivered as they are.
    private mutating func expire() -> [Output] {
        var outputs: [Output] = []
        while let oldest = order.first, let batch = open[oldest], received - batch.openedAt > bounds.span {
            outputs += finish(oldest, reason: "not closed after \(bounds.span) lines")
        }
        return outputs
    }

    private mutating func add(_ line: IRCMessage, to batch: inout Batch) {
        switch batch.kind {
        case .multiline:
            // multiline §"Batch types": only PRIVMSG lines, or only NOTICE lines, all to the
            // batch's target; anything else in it is dropped.
            let text = line.parameters.count >= 2 ? line.parameters[1] : nil
            let command = batch.lines.first?.command ?? line.command
            guard let text, line.command == command, command == "PRIVMSG" || command == "NOTICE",
                IRCCaseMapping.rfc1459.equals(line.parameters[0], batch.target)
            else {
                batch.dropped += 1
                return
            }
            let joins = batch.lines.isEmpty || line.tag(IRCMultiline.concatTag) != nil ? 0 : 1
            let limits = multilineBounds
            guard !batch.full, batch.lines.count < limits.lines, batch.bytes + joins + text.utf8.count <= limits.bytes else {
                batch.full = true
                batch.dropped += 1
                return
            }
            batch.bytes += joins + text.utf8.count
            batch.lines.append(line)
        case .history:
            // chathistory: without draft/event-playback only PRIVMSG and NOTICE are history.
            guard line.command == "PRIVMSG" || line.command == "NOTICE", line.parameters.count >= 2 else { return }
            guard batch.lines.count < bounds.historyLines else {
                batch.dropped += 1
                return
            }
            batch.lines.append(line)
        }
    }

    /// The server's limits, within the collector's ceilings.
    private var multilineBounds: (lines: Int, bytes: Int) {
        let lines = min(multiline?.maximumLines ?? bounds.multilineLines, bounds.multilineLinesCeiling)
        let bytes = min(multiline?.maximumBytes ?? bounds.multilineBytesCeiling, bounds.multilineBytesCeiling)
        return (lines, bytes)
    }

    /// Closes `reference` and delivers it (to its parent batch when nested); `reason`: it
    /// was cut short, and its stragglers are dropped from now on.
    private mutating func finish(_ reference: String, reason: String? = nil) -> [Output] {
        guard let batch = open.removeValue(forKey: reference) else { return [] }
        order.removeAll { $0 == reference }
        var outputs: [Output] = []
        let type = batch.kind == .multiline ? IRCMultiline.batchType : IRCChatHistory.batchType
        if let reason {
            cut.append(reference)
            if cut.count > bounds.forgotten { cut.removeFirst(cut.count - bounds.forgotten) }
            outputs.append(.limited(type: type, reason: "\(reason); delivered with \(batch.lines.count) lines"))
        }
        if batch.dropped > 0 {
            outputs.append(.limited(type: type, reason: "\(batch.dropped) lines dropped (over the limits or not allowed in it)"))
        }
        switch batch.kind {
        case .multiline:
            guard let combined = Self.combined(batch) else { break }
            if let parent = batch.parent, var outer = open[parent] {
                add(combined, to: &outer)
                open[parent] = outer
            } else {
                outputs.append(.message(combined))
            }
        case .history:
            outputs.append(.history(target: batch.target, batch.lines.map(Self.unbatched)))
        }
        return outputs
    }

    /// A multiline batch as one message (multiline §"Batch types"): the first line's
    /// command and source, the opening BATCH's tags (msgid, time, account, client tags)
    /// with the first line's others, and the combined text.
    static func combined(_ batch: Batch) -> IRCMessage? {
        guard let first = batch.lines.first else { return nil }
        let text = IRCMultiline.combine(
            batch.lines.map { IRCMultiline.Line($0.parameters[1], concatenated: $0.tag(IRCMultiline.concatTag) != nil) })
        var tags = batch.opening.tags.filter { $0.key != "batch" }
        for tag in first.tags where tag.key != "batch" && tag.key != IRCMultiline.concatTag {
            if !tags.contains(where: { $0.key == tag.key }) { tags.append(tag) }
        }
        return IRCMessage(
            tags: tags, source: first.source ?? batch.opening.source, command: first.command,
            parameters: [first.parameters[0], text])
    }

    private static func unbatched(_ line: IRCMessage) -> IRCMessage {
        var copy = line
        copy.tags.removeAll { $0.key == "batch" }
        return copy
    }
}
