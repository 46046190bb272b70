import Foundation
import ParleyCore
import ParleyIRC
import SeededRandom
import Testing

@testable import IRCServerPlugin

/// A property of IRC rendering, over random bodies and nicks from other protocols: every
/// line it emits parses, fits 512 bytes, holds no CR, LF or NUL, is wire safe without the
/// encoder's help, keeps the sender's identity, and loses no text.
@Suite struct RenderingPropertyTests {
    /// Characters a hostile peer would send: line breaks, NUL, IRC syntax, markers, wide
    /// and combining characters, flags.
    static let bodyPool: [String] = [
        "a", "b", "z", "Q", "0", "9", " ", " ", " ", "\r", "\n", "\r\n", "\u{0}", ":", "!", "@", "#", "`", "~", "&",
        "+", "\u{1}", "é", "e\u{301}", "日", "😀", "🇫🇷", "\t", "PRIVMSG #ops :", "QUIT", "\\", ",", ";",
    ]
    static let nickPool: [String] = [
        "a", "l", "i", "c", "e", "Z", "0", "-", "_", "[", "]", "{", "}", "|", "^", "`", "\\", "!", "@", ":", "#",
        "~", "&", "+", "%", ",", ".", "é", "日", "😀", "*", "$",
    ]

    static func randomString(from pool: [String], count: Int, using generator: inout SeededGenerator) -> String {
        (0..<count).map { _ in pool.randomElement(using: &generator)! }.joined()
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func everyRenderedLineIsSafeAndKeepsItsSender(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let table = IRCNickTable()
        let naming = IRCOccupantNaming(nicks: table, domain: "example.test", nickLength: 30)
        let room = RoomID("dev")!
        let mapping = IRCPayloadMapping()
        for _ in 0..<200 {
            let nickLength = Int.random(in: 1...40, using: &generator)
            guard let nick = Nickname(Self.randomString(from: Self.nickPool, count: nickLength, using: &generator))
            else { continue }
            let user = UserID(localpart: "u\(Int.random(in: 0...999, using: &generator))", domain: "example.com")
            let sender = Occupant(
                nick: nick, user: user, sessions: [SessionID(user: user, resource: "t")], role: .participant,
                affiliation: .none, presence: Presence())
            let body = Self.randomString(
                from: Self.bodyPool, count: Int.random(in: 0...700, using: &generator), using: &generator)
            let message = Message(
                id: "m1", kind: .room, from: .occupant(room, nick), to: .room(room), body: body, timestamp: Date(),
                payloads: [])
            let shownNick = naming.nick(of: sender)
            let source = naming.source(of: sender)
            var lines = IRCEventRenderer.message(
                message, source: source, target: "#dev", messageTags: true, serverTime: true, mapping: mapping)
            var extended = IRCRecipient(serverName: "example.test", nick: "me")
            extended.extendedJoin = true
            lines += IRCEventRenderer.joined(sender, room: room, for: extended, naming: naming)

            var text = ""
            // Plain checks with one issue per broken property (an #expect per line would
            // make this test hold a cooperative thread for seconds in a debug build).
            func fail(_ what: String, _ line: IRCMessage) {
                Issue.record("seed \(seed), nick \(nick.displayName.debugDescription): \(what): \(line)")
            }
            for line in lines {
                if !line.isWireSafe { fail("renderer left it to the encoder", line) }
                let wire = line.serialized()
                if wire.utf8.contains(where: IRCTextSplitter.isBreak) { fail("a line break on the wire", line) }
                let parsed = try IRCMessage(parsing: wire)
                // RFC 1459 §2.3: 512 bytes with CR LF, not counting the IRCv3 tag section.
                let untagged = wire.hasPrefix("@") ? wire.drop(while: { $0 != " " }).dropFirst() : wire[...]
                if untagged.utf8.count + 2 > 512 { fail("longer than 512 bytes", line) }
                // The sender is who it was: its own nick when that is a valid IRC nick, else a
                // form no IRC client can hold that decodes back to it (or, when long, is bounded).
                let shown = parsed.source.map { String($0.prefix(while: { $0 != "!" })) }
                if shown != shownNick { fail("another sender", line) }
                if shownNick == nick.displayName {
                    if !IRCNickname.isValid(shownNick, maximumLength: 30) { fail("an invalid nick shown as is", line) }
                } else {
                    let decoded = IRCNickname.decodeForeign(shownNick)
                    let bounded = decoded == nil && shownNick.utf8.count <= IRCNickname.maximumRenderedBytes
                    if shownNick.unicodeScalars.first != IRCNickname.foreignMarker || (decoded != nick.displayName && !bounded) {
                        fail("a foreign form that is not the nick's", line)
                    }
                }
                if parsed.source?.hasSuffix("!\(user.localpart)@example.com") != true { fail("another user@host", line) }
                if parsed.command == "PRIVMSG" {
                    if parsed.parameters.count != 2 || parsed.parameters[0] != "#dev" { fail("another target", line) }
                    text += parsed.parameters[1]
                }
            }
            // No text lost: only line breaks and the spaces at cuts are gone.
            func squeezed(_ s: String) -> String {
                String(s.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "\u{0}" }.map(Character.init))
            }
            #expect(squeezed(text) == squeezed(body), "seed \(seed)")
        }
    }
}
