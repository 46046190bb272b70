import DequeModule
import ParleyIRC

/// What leaves the client's queue at once: one line, or a whole batch we send (IRCv3
/// batch: `BATCH +ref type target`, its lines, `BATCH -ref`), so that no other line (a
/// PONG) is written inside it.
enum IRCOutgoingUnit {
    /// The lines a batch waits for at most before it leaves anyway (its end never queued).
    static let maximumBatchLines = 1000

    /// How many lines at the head of `queue` leave together: 1, the lines through the end
    /// of the batch the head opens, or nil while that end is not queued yet.
    static func length(of queue: Deque<IRCMessage>) -> Int? {
        guard let first = queue.first, first.command == "BATCH", let opening = first.parameters.first,
            opening.hasPrefix("+")
        else { return queue.isEmpty ? nil : 1 }
        let closing = "-" + opening.dropFirst()
        for (index, line) in queue.enumerated() {
            if index > maximumBatchLines { return index }
            if line.command == "BATCH", line.parameters.first == closing { return index + 1 }
        }
        return nil
    }
}
