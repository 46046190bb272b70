/// Typed views of the common ISUPPORT parameters, with the defaults modern.ircdocs.horse
/// gives for a server that does not advertise them.
extension ISupport {
    /// A channel membership prefix: mode letter and the symbol shown in NAMES (`o` / `@`).
    public struct PrefixMode: Sendable, Hashable {
        public var mode: Character
        public var symbol: Character

        public init(mode: Character, symbol: Character) {
            self.mode = mode
            self.symbol = symbol
        }
    }

    /// `CHANMODES=A,B,C,D`: list modes, modes that always take a parameter, modes that take
    /// one only when set, and flag modes.
    public struct ChannelModeGroups: Sendable, Hashable {
        public var a: String
        public var b: String
        public var c: String
        public var d: String

        public init(a: String, b: String, c: String, d: String) {
            self.a = a
            self.b = b
            self.c = c
            self.d = d
        }

        var token: String { [a, b, c, d].joined(separator: ",") }
    }

    /// `CASEMAPPING`; `rfc1459` when absent or unknown.
    public var caseMapping: IRCCaseMapping {
        get { self["CASEMAPPING"].flatMap { $0 }.flatMap { IRCCaseMapping(token: $0) } ?? .rfc1459 }
        set { set("CASEMAPPING", newValue.token) }
    }

    /// `CHANTYPES`; `#&` when absent, empty when advertised without a value.
    public var channelTypes: String {
        get {
            guard let value = self["CHANTYPES"] else { return "#&" }
            return value ?? ""
        }
        set { set("CHANTYPES", newValue) }
    }

    /// `PREFIX=(modes)symbols`, highest rank first; `(ov)@+` when absent.
    public var prefixes: [PrefixMode] {
        get {
            guard let value = self["PREFIX"] else { return Self.parsePrefix("(ov)@+") }
            return Self.parsePrefix(value ?? "")
        }
        set {
            set("PREFIX", "(" + String(newValue.map(\.mode)) + ")" + String(newValue.map(\.symbol)))
        }
    }

    /// `CHANMODES`; `b,k,l,imnpst` (RFC 2811's modes) when absent.
    public var channelModes: ChannelModeGroups {
        get {
            let value = self["CHANMODES"].flatMap { $0 } ?? "b,k,l,imnpst"
            var groups = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            while groups.count < 4 { groups.append("") }
            return ChannelModeGroups(a: groups[0], b: groups[1], c: groups[2], d: groups[3])
        }
        set { set("CHANMODES", newValue.token) }
    }

    /// `NICKLEN`.
    public var nickLength: Int? {
        get { integer("NICKLEN") }
        set { setInteger("NICKLEN", newValue) }
    }

    /// `CHANNELLEN`.
    public var channelLength: Int? {
        get { integer("CHANNELLEN") }
        set { setInteger("CHANNELLEN", newValue) }
    }

    /// `TOPICLEN`.
    public var topicLength: Int? {
        get { integer("TOPICLEN") }
        set { setInteger("TOPICLEN", newValue) }
    }

    /// `NETWORK`.
    public var network: String? {
        get { self["NETWORK"].flatMap { $0 } }
        set {
            if let newValue { set("NETWORK", newValue) } else { remove("NETWORK") }
        }
    }

    private func integer(_ name: String) -> Int? { self[name].flatMap { $0 }.flatMap { Int($0) } }

    private mutating func setInteger(_ name: String, _ value: Int?) {
        if let value { set(name, String(value)) } else { remove(name) }
    }

    static func parsePrefix(_ value: String) -> [PrefixMode] {
        guard value.first == "(", let close = value.firstIndex(of: ")") else { return [] }
        let modes = value[value.index(after: value.startIndex)..<close]
        let symbols = value[value.index(after: close)...]
        return zip(modes, symbols).map { PrefixMode(mode: $0, symbol: $1) }
    }
}
