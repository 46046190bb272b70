extension IRCMessage {
    /// The line form, without CR LF. The last parameter is written as trailing (`:`) only
    /// when it must be: empty, containing a space, or starting with `:`. The message is
    /// made wire safe first (`wireSafe()`), so the result is always one valid line.
    public func serialized() -> String {
        let message = wireSafe()
        return message.unsafeSerialized()
    }

    /// The line form of a message already known to be wire safe.
    private func unsafeSerialized() -> String {
        var line = ""
        line.reserveCapacity(64 + parameters.reduce(0) { $0 + $1.utf8.count + 1 })
        if !tags.isEmpty {
            line += "@"
            for (index, tag) in tags.enumerated() {
                if index > 0 { line += ";" }
                line += tag.key
                if let value = tag.value, !value.isEmpty {
                    line += "="
                    line += IRCTagEscaping.escape(value)
                }
            }
            line += " "
        }
        if let source {
            line += ":"
            line += source
            line += " "
        }
        line += command
        for (index, parameter) in parameters.enumerated() {
            line += " "
            if index == parameters.count - 1, Self.needsTrailingColon(parameter) { line += ":" }
            line += parameter
        }
        return line
    }

    /// Whether the last parameter must be written with a leading `:` (RFC 1459 §2.3.1
    /// `trailing`): when it is empty, starts with `:` or holds a space.
    public static func needsTrailingColon(_ parameter: String) -> Bool {
        parameter.isEmpty || parameter.utf8.first == UInt8(ascii: ":") || parameter.utf8.contains(0x20)
    }
}
