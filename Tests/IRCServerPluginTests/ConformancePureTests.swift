import Foundation
import ParleyCred
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// The pure parts of issue 18's conformance work: WHO/WHOX parsing and replies, the nick
/// history, the operators file, user modes and the guest username.
@Suite struct ConformancePureTests {
    /// IRCv3 whox: fields in the fixed order `tcuihsnfdlaor`, whatever the order asked.
    @Test func whoxRepliesWithTheAskedFieldsInOrder() {
        let query = IRCWho(parameters: ["#c", "%rnaft,42"])
        #expect(query.masks == ["#c"] && query.token == "42" && !query.operatorsOnly)
        let row = IRCWho.Row(
            channel: "#c", user: "~u", host: "h.test", server: "s.test", nick: "n", flags: "H@", idleSeconds: 7,
            account: nil, realname: "Real Name")
        let (code, parameters) = query.reply(row)
        #expect(code == "354")
        #expect(parameters == ["42", "n", "H@", "0", "Real Name"])
        let plain = IRCWho(parameters: ["n"]).reply(row)
        #expect(plain.numeric == "352")
        #expect(plain.parameters == ["#c", "~u", "h.test", "s.test", "n", "H@", "0 Real Name"])
        // A token that is not 1–3 digits is not echoed; `o` keeps operators only.
        #expect(IRCWho(parameters: ["*", "o%tn,1234"]).token == nil)
        #expect(IRCWho(parameters: ["*", "o%tn,1234"]).operatorsOnly)
        #expect(IRCWho(parameters: ["#a,#b"]).masks == ["#a", "#b"])
        #expect(IRCWho(parameters: []).masks == ["*"])
        #expect(IRCWho.flags(away: true, isOperator: true, prefixes: "@+") == "G*@+")
    }

    /// WHOWAS remembers the newest first, any case, bounded over all nicks.
    @Test func nickHistoryIsNewestFirstAndBounded() {
        let history = IRCNickHistory(capacity: 3)
        func entry(_ nick: String, _ realname: String) -> IRCNickHistory.Entry {
            IRCNickHistory.Entry(nick: nick, user: "~u", host: "h", realname: realname, account: nil, at: Date())
        }
        history.record(entry("bob", "first"))
        history.record(entry("Bob", "second"))
        history.record(entry("carol", "c"))
        #expect(history.lookup("BOB", limit: nil).map(\.realname) == ["second", "first"])
        #expect(history.lookup("bob", limit: 1).map(\.realname) == ["second"])
        history.record(entry("dave", "d"))
        // The oldest entry went to make room.
        #expect(history.lookup("bob", limit: nil).map(\.realname) == ["second"])
        #expect(history.lookup("nobody", limit: nil).isEmpty)
    }

    /// The operators file: a SCRAM record per operator, a `user@address` mask, a vhost.
    @Test func operatorsFileChecksPasswordAndOrigin() throws {
        let record = try SCRAMRecord.derive(password: "rootpass", iterations: 4096, algorithm: .sha256)
        let operators = try IRCOperators(
            text: """
                # comment
                root \(record.text) mask=*@127.0.0.1 vhost=staff.example.test
                far \(record.text) mask=*@10.9.9.9
                """)
        #expect(operators.check(name: "root", password: "rootpass", from: "~u@127.0.0.1")
            == .loggedIn(name: "root", vhost: "staff.example.test"))
        #expect(operators.check(name: "root", password: "wrong", from: "~u@127.0.0.1") == .passwordMismatch)
        #expect(operators.check(name: "far", password: "rootpass", from: "~u@127.0.0.1") == .noOperHost)
        #expect(operators.check(name: "nobody", password: "rootpass", from: "~u@127.0.0.1") == .noOperHost)
        #expect(throws: IRCOperators.FileError.self) { try IRCOperators(text: "root notarecord") }
        #expect(throws: IRCOperators.FileError.self) { try IRCOperators(text: "root \(record.text) vhost=bad_host") }
    }

    @Test func userModesChangeStrings() {
        #expect(IRCUserModes([.invisible, .wallops]).modeString == "+iw")
        #expect(IRCConnection.modeChange(from: [.invisible], to: [.wallops]) == "+w-i")
        #expect(IRCUserModes.mode(for: "o") == .operator && IRCUserModes.mode(for: "x") == nil)
    }

    /// RFC 1413 style: `~` and the USER username, cleaned and cut to USERLEN.
    @Test func unverifiedUserPart() {
        #expect(IRCHostmask.unverifiedUserPart("myusername", maximumLength: 16) == "~myusername")
        #expect(IRCHostmask.unverifiedUserPart("abcdefghijklmnopqrstuvwxyz", maximumLength: 16) == "~abcdefghijklmno")
        #expect(IRCHostmask.unverifiedUserPart("a!b@c d", maximumLength: 16) == "~abcd")
        #expect(IRCHostmask.unverifiedUserPart("!!!", maximumLength: 16) == "~user")
    }
}
