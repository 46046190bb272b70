extension IRCMessage {
    /// Whether this message can be written as one line that parses back to itself: no CR,
    /// LF or NUL anywhere; source and command without spaces; every parameter before the
    /// last non-empty, without a space, and not starting with `:`; at most 510 bytes
    /// without the tags (RFC 1459 §2.3). Tag values need no check: they are escaped.
    public var isWireSafe: Bool {
        var bytes = command.utf8.count
        if let source {
            guard Self.isSafeWord(source) else { return false }
            bytes += source.utf8.count + 2
        }
        guard Self.isSafeWord(command) else { return false }
        for (index, parameter) in parameters.enumerated() {
            if index == parameters.count - 1 {
                guard !parameter.utf8.contains(where: IRCTextSplitter.isBreak) else { return false }
                bytes += parameter.utf8.count + (Self.needsTrailingColon(parameter) ? 2 : 1)
            } else {
                guard Self.isSafeWord(parameter), parameter.utf8.first != UInt8(ascii: ":") else { return false }
                bytes += parameter.utf8.count + 1
            }
        }
        return bytes <= IRCLimits.maximumBodyBytes
    }

    /// This message made wire safe, the last line of defence of every outbound IRC path
    /// (renderers split and escape text before it comes to this): CR, LF and NUL become
    /// spaces in the last parameter; in the source, the command and the other parameters
    /// every such byte and every space becomes `_` (an empty one becomes `*`, a leading `:`
    /// becomes `_`); then the last parameter is cut, at a character boundary, to fit 510 bytes.
    public func wireSafe() -> IRCMessage {
        guard !isWireSafe else { return self }
        var safe = self
        safe.source = source.map(Self.safeWord)
        safe.command = Self.safeWord(command)
        guard !parameters.isEmpty else { return safe }
        let last = parameters.count - 1
        for index in 0..<last {
            var word = Self.safeWord(parameters[index])
            if word.utf8.first == UInt8(ascii: ":") { word = "_" + word.dropFirst() }
            safe.parameters[index] = word
        }
        var trailing = String(
            decoding: parameters[last].utf8.map { IRCTextSplitter.isBreak($0) ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        // What the line takes without the last parameter: ":source " + command + " middle"… + " :".
        let fixed =
            (safe.source.map { $0.utf8.count + 2 } ?? 0) + safe.command.utf8.count
            + safe.parameters[..<last].reduce(0) { $0 + $1.utf8.count + 1 } + 2
        let room = IRCLimits.maximumBodyBytes - fixed
        if trailing.utf8.count > room {
            trailing = room < 4 ? "" : IRCTextSplitter.pieces(of: trailing, budget: room).first ?? ""
        }
        safe.parameters[last] = trailing
        return safe
    }

    /// Non-empty, no space, CR, LF or NUL.
    private static func isSafeWord(_ word: String) -> Bool {
        !word.isEmpty && !word.utf8.contains(where: { $0 == 0x20 || IRCTextSplitter.isBreak($0) })
    }

    private static func safeWord(_ word: String) -> String {
        guard !word.isEmpty else { return "*" }
        guard !isSafeWord(word) else { return word }
        return String(
            decoding: word.utf8.map { $0 == 0x20 || IRCTextSplitter.isBreak($0) ? UInt8(ascii: "_") : $0 },
            as: UTF8.self)
    }
}
