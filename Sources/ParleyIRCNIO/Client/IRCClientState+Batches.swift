import ParleyIRC

extension IRCClientState {
    /// The `draft/multiline` limits when the capability is enabled with `batch` (multiline
    /// §"Dependencies": batch MUST be negotiated) and its value has the REQUIRED `max-bytes`.
    public var multilineLimits: IRCMultiline.Limits? {
        guard enabledCapabilities.contains(IRCMultiline.capability), enabledCapabilities.contains("batch") else {
            return nil
        }
        return offeredCapabilities[IRCMultiline.capability].flatMap(IRCMultiline.Limits.init(capabilityValue:))
    }

    /// Whether `CHATHISTORY` replies come as batches the client collects (chathistory
    /// §"Implementation": `draft/chathistory`, with `batch` for the reply batch).
    public var collectsHistory: Bool {
        enabledCapabilities.contains(IRCChatHistory.capability) && enabledCapabilities.contains("batch")
    }

    /// At the end of capability negotiation: what the batch collector takes, and the
    /// multiline limits for the library's user.
    mutating func batchCapabilities() -> [IRCClientAction] {
        updateBatchCollector()
        return multilineLimits.map { [.event(.multilineEnabled($0))] } ?? []
    }

    /// What the batch collector takes, after the enabled capabilities changed.
    mutating func updateBatchCollector() {
        batches.multiline = multilineLimits
        batches.collectsHistory = collectsHistory
    }

    /// A 005 with `CHATHISTORY=limit` (chathistory §"ISUPPORT tokens") when the capability
    /// is enabled: history can be asked for.
    func historyAvailability(_ message: IRCMessage) -> [IRCClientAction] {
        let token = IRCChatHistory.isupportToken
        guard collectsHistory,
            message.parameters.dropFirst().dropLast().contains(where: { $0 == token || $0.hasPrefix(token + "=") })
        else { return [] }
        let limit = isupport[token].flatMap { $0 }.flatMap { Int($0) } ?? 0
        return [.event(.historyAvailable(limit: max(0, limit)))]
    }

    static func action(_ output: IRCBatchCollector.Output) -> IRCClientAction {
        switch output {
        case .message(let message): .event(.message(message))
        case .history(let target, let messages): .event(.history(target: target, messages))
        case .limited(let type, let reason): .event(.batchLimited(type: type, reason: reason))
        }
    }
}
