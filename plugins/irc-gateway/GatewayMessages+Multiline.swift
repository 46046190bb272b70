import ParleyCore
import ParleyIRC

extension GatewayMessages {
    /// The most lines of one batch the gateway sends, whatever the network takes: a batch
    /// goes through the rate limiter line by line like any other.
    static let maximumBatchLines = 100

    /// `message` to `target` as one IRCv3 `draft/multiline` batch (extensions/multiline.md
    /// "Batch types"): its lines as they are, a line longer than an IRC line cut between
    /// words into `draft/multiline-concat` pieces, the client tags on the opening BATCH
    /// ("Message tags"). Nil when `lines(for:to:from:tags:)` is the way: one line is
    /// enough, the message is a `/me` (CTCP ACTION has no multiline form) or a correction,
    /// or it is over the network's `max-bytes` or `max-lines` ("Capabilities").
    func batch(
        for message: Message, to target: String, from nick: String, tags allowed: Bool, limits: IRCMultiline.Limits,
        reference: String
    ) -> [IRCMessage]? {
        guard let body = message.body, !body.isEmpty else { return nil }
        let isCorrection = message.meanings.contains { if case .correction = $0 { true } else { false } }
        guard !isCorrection, !message.meanings.contains(.action) else { return nil }
        let lines = IRCMultiline.lines(of: body, budget: Self.budget(nick: nick, target: target, action: false))
        let most = min(limits.maximumLines ?? Self.maximumBatchLines, Self.maximumBatchLines)
        guard lines.count > 1, lines.count <= most, IRCMultiline.combinedBytes(lines) <= limits.maximumBytes else {
            return nil
        }
        return IRCMultiline.batch(reference: reference, target: target, lines: lines, tags: clientTags(of: message, allowed))
    }
}
