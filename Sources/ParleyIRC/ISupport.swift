/// The server's `RPL_ISUPPORT` (005) parameters (modern.ircdocs.horse "Feature
/// Advertisement"): an ordered set of `NAME` / `NAME=value` tokens. A client applies each
/// 005 it receives (`-NAME` removes a token); a server builds its 005 lines from one.
public struct ISupport: Sendable, Hashable {
    /// One advertised parameter; `value` is nil for a bare `NAME`, and unescaped.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String?

        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    /// The parameters in the order they were set or received.
    public private(set) var parameters: [Parameter] = []

    /// A server sends at most this many tokens per 005 line (modern.ircdocs.horse).
    public static let maximumTokensPerLine = 13

    public init(_ parameters: [Parameter] = []) {
        for parameter in parameters { set(parameter.name, parameter.value) }
    }

    /// The value of `name`: nil when not advertised, `.some(nil)` when advertised bare.
    /// Names compare case-sensitively, as sent (they are upper-case by convention).
    public subscript(name: String) -> String?? {
        guard let index = parameters.firstIndex(where: { $0.name == name }) else { return nil }
        return .some(parameters[index].value)
    }

    /// Whether `name` is advertised.
    public func contains(_ name: String) -> Bool { parameters.contains { $0.name == name } }

    /// Adds or replaces `name`.
    public mutating func set(_ name: String, _ value: String? = nil) {
        if let index = parameters.firstIndex(where: { $0.name == name }) {
            parameters[index].value = value
        } else {
            parameters.append(Parameter(name, value))
        }
    }

    /// Withdraws `name`.
    public mutating func remove(_ name: String) { parameters.removeAll { $0.name == name } }

    /// Applies the tokens of one 005 line: `NAME`, `NAME=`, `NAME=value` (with `\xHH`
    /// escapes) and `-NAME`.
    public mutating func apply(tokens: some Sequence<some StringProtocol>) {
        for token in tokens where !token.isEmpty {
            if token.utf8.first == UInt8(ascii: "-") {
                remove(String(token.dropFirst()))
                continue
            }
            if let equals = token.firstIndex(of: "=") {
                let value = token[token.index(after: equals)...]
                set(String(token[..<equals]), value.isEmpty ? nil : Self.unescape(value))
            } else {
                set(String(token), nil)
            }
        }
    }

    /// Applies a whole `005` message: parameters between the target nick and the final
    /// human-readable text.
    public mutating func apply(_ message: IRCMessage) {
        guard message.command == IRCNumeric.isupport, message.parameters.count >= 2 else { return }
        apply(tokens: message.parameters.dropFirst().dropLast())
    }

    /// The wire tokens, in order, with values escaped.
    public var tokens: [String] {
        parameters.map { parameter in
            guard let value = parameter.value, !value.isEmpty else { return parameter.name }
            return parameter.name + "=" + Self.escape(value)
        }
    }

    /// The parameter lists of the 005 lines for `nick`: each is the nick, at most 13
    /// tokens, and the closing text.
    public func lines(for nick: String, text: String = "are supported by this server") -> [[String]] {
        let tokens = self.tokens
        return stride(from: 0, to: tokens.count, by: Self.maximumTokensPerLine).map { start in
            [nick] + tokens[start..<min(start + Self.maximumTokensPerLine, tokens.count)] + [text]
        }
    }

    /// The 005 messages for `nick` from `server`.
    public func messages(for nick: String, from server: String?) -> [IRCMessage] {
        lines(for: nick).map { IRCMessage(source: server, command: IRCNumeric.isupport, parameters: $0) }
    }

    // MARK: Escaping (modern.ircdocs.horse: values escape as `\xHH`)

    static func unescape(_ value: some StringProtocol) -> String {
        let bytes = Array(value.utf8)
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(value) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count + 0, bytes[index + 1] == UInt8(ascii: "x"),
                let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3])
            {
                out.append(high << 4 | low)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case " ": out += "\\x20"
            case "\\": out += "\\x5C"
            case "=": out += "\\x3D"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
