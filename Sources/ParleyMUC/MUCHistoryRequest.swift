import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// How much discussion history a client asked for on entering (XEP-0045 §7.2.14,
/// `<history maxchars maxstanzas seconds since/>`); every limit given applies.
public struct MUCHistoryRequest: Sendable, Equatable {
    public var maxStanzas: Int?
    /// Characters of the complete stanzas, as XEP-0045 counts them.
    public var maxChars: Int?
    public var seconds: Int?
    public var since: Date?

    public init(maxStanzas: Int? = nil, maxChars: Int? = nil, seconds: Int? = nil, since: Date? = nil) {
        self.maxStanzas = maxStanzas
        self.maxChars = maxChars
        self.seconds = seconds
        self.since = since
    }

    /// The request in a join presence's `<x xmlns='http://jabber.org/protocol/muc'/>`; no
    /// `<history/>` asks for the room's default. A value that is no number is a bad request.
    public init(join: XMLElement?) throws(StanzaError) {
        self.init()
        guard let history = join?.firstChild(named: "history", namespace: MUCNamespace.muc) else { return }
        func count(_ name: String) throws(StanzaError) -> Int? {
            guard let text = history[attribute: name] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw StanzaError(.badRequest, text: "history \(name) must be a whole number")
            }
            return value
        }
        maxStanzas = try count("maxstanzas")
        maxChars = try count("maxchars")
        seconds = try count("seconds")
        if let text = history[attribute: "since"] {
            guard let date = XMPPDateTime.date(from: text) else {
                throw StanzaError(.badRequest, text: "history since must be an XEP-0082 date and time")
            }
            since = date
        }
    }

    /// How many of the newest messages of `history` (oldest first) fit every limit.
    /// `size(index)` measures the rendered stanza of `history[index]` in characters; it is
    /// asked only for `maxchars`, newest first, once per message.
    public func newestCount(of history: [Message], now: Date, size: (Int) -> Int) -> Int {
        var count = 0
        var chars = 0
        for index in history.indices.reversed() {
            if let maxStanzas, count >= maxStanzas { break }
            let stamp = history[index].timestamp ?? now
            if let seconds, now.timeIntervalSince(stamp) > Double(seconds) { break }
            if let since, stamp < since { break }
            if let maxChars {
                chars += size(index)
                if chars > maxChars { break }
            }
            count += 1
        }
        return count
    }
}
