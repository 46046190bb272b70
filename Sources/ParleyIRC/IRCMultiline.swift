/// IRCv3 `draft/multiline` (https://ircv3.net/specs/extensions/multiline, a work in
/// progress, hence the `draft/` names): one message of several lines, or longer than one
/// IRC line, sent as a `draft/multiline` batch of PRIVMSG (or NOTICE) lines. Pure: the
/// server's limits, the combined value of a batch's lines, and the lines of a batch to send.
public enum IRCMultiline {
    /// The capability, batch type and tag ("Notes for implementing work-in-progress version").
    public static let capability = "draft/multiline"
    public static let batchType = "draft/multiline"
    public static let concatTag = "draft/multiline-concat"

    /// What the server takes in one batch ("Capabilities": `max-bytes` REQUIRED, `max-lines`
    /// RECOMMENDED).
    public struct Limits: Sendable, Hashable {
        /// The most bytes of the combined message value (the last parameters, plus one per
        /// line feed joining them).
        public var maximumBytes: Int
        /// The most PRIVMSG or NOTICE lines in a batch, concatenated ones included; nil when
        /// the server does not say.
        public var maximumLines: Int?

        public init(maximumBytes: Int, maximumLines: Int? = nil) {
            self.maximumBytes = maximumBytes
            self.maximumLines = maximumLines
        }

        /// The capability's value, `max-bytes=4096,max-lines=24`: comma-separated keys with
        /// optional values, unknown keys ignored ("Capabilities"); nil without a positive
        /// `max-bytes`, which is REQUIRED.
        public init?(capabilityValue: String) {
            var bytes: Int?
            var lines: Int?
            for token in capabilityValue.split(separator: ",") {
                let parts = token.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = Int(parts[1]), value > 0 else { continue }
                switch parts[0] {
                case "max-bytes": bytes = value
                case "max-lines": lines = value
                default: break
                }
            }
            guard let bytes else { return nil }
            self.init(maximumBytes: bytes, maximumLines: lines)
        }
    }

    /// One line of a batch: its text (the PRIVMSG's last parameter) and whether it carries
    /// `draft/multiline-concat` (joined to the previous line with nothing between).
    public struct Line: Sendable, Hashable {
        public var text: String
        public var concatenated: Bool

        public init(_ text: String, concatenated: Bool = false) {
            self.text = text
            self.concatenated = concatenated
        }
    }

    /// "Batch types": the combined message value; lines joined by one line feed, a
    /// concatenated line joined with no separation; no line feed after the last.
    public static func combine(_ lines: some Sequence<Line>) -> String {
        var combined = ""
        var first = true
        for line in lines {
            if !first && !line.concatenated { combined.append("\n") }
            combined.append(line.text)
            first = false
        }
        return combined
    }

    /// The bytes `lines` count towards `max-bytes` ("Capabilities": the text, and one byte
    /// per line feed that joins two lines).
    public static func combinedBytes(_ lines: [Line]) -> Int {
        lines.enumerated().reduce(0) { total, item in
            total + item.element.text.utf8.count + (item.offset > 0 && !item.element.concatenated ? 1 : 0)
        }
    }

    /// `text` as batch lines of at most `budget` bytes each: one per line of the text
    /// (blank lines kept, CR LF and CR read as line feeds), a longer line cut between words
    /// ("Splitting long lines": the space stays at the end of the piece, never inside a UTF-8
    /// sequence) into pieces that carry `draft/multiline-concat`. Blank lines at the start
    /// and end are left out, and text that is nothing but blank lines gives no line at all:
    /// a client MUST NOT send blank lines only, nor a blank concatenated line ("Batch types").
    public static func lines(of text: String, budget: Int) -> [Line] {
        let normalized = text.replacing("\r\n", with: "\n").replacing("\r", with: "\n")
        var lines: [Line] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            guard !line.isEmpty else {
                lines.append(Line(""))
                continue
            }
            let pieces = IRCTextSplitter.pieces(of: String(line), budget: budget, keepingSpaces: true)
            for (index, piece) in pieces.enumerated() where !piece.isEmpty {
                lines.append(Line(piece, concatenated: index > 0))
            }
        }
        while lines.first?.text.isEmpty == true { lines.removeFirst() }
        while lines.last?.text.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The lines that send one message to `target` as a batch (the spec's example "Client
    /// sending a multiline batch"): `BATCH +reference draft/multiline target`, one `command`
    /// line per `Line` tagged `batch=reference` (and `draft/multiline-concat`), `BATCH
    /// -reference`. The client-only `tags` go on the opening BATCH ("Message tags": no other
    /// tags on the lines inside). `reference` is letters, digits and hyphens (batch §"The
    /// BATCH verb").
    public static func batch(
        reference: String, target: String, lines: [Line], command: String = "PRIVMSG", tags: [IRCTag] = []
    ) -> [IRCMessage] {
        var messages = [IRCMessage(tags: tags, command: "BATCH", parameters: ["+" + reference, batchType, target])]
        for line in lines {
            var lineTags = [IRCTag("batch", reference)]
            if line.concatenated { lineTags.append(IRCTag(concatTag)) }
            messages.append(IRCMessage(tags: lineTags, command: command, parameters: [target, line.text]))
        }
        messages.append(IRCMessage(command: "BATCH", parameters: ["-" + reference]))
        return messages
    }
}
