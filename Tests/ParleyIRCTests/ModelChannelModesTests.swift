import ParleyCore
import ParleyIRC
import Testing

@Suite("IRC model: channel modes ↔ configuration, roles, affiliations")
struct ModelChannelModesTests {
    typealias Modes = IRCChannelModes

    func occupant(_ role: Role, _ affiliation: Affiliation) -> Occupant {
        let user = UserID(localpart: "bob", domain: "example.com")
        return Occupant(nick: Nickname("bob")!, user: user, sessions: [SessionID(user: user, resource: "irc")],
            role: role, affiliation: affiliation, presence: Presence())
    }

    // MARK: Parsing

    @Test func parsesMixedChangesWithParametersInOrder() {
        let (changes, problems) = Modes.parse("+o-v+k", parameters: ["alice", "bob", "secret"])
        #expect(changes == [.member(mode: "o", nick: "alice", true), .member(mode: "v", nick: "bob", false), .key("secret")])
        #expect(problems.isEmpty)
    }

    @Test func limitSetAndRemoved() {
        #expect(Modes.parse("+l", parameters: ["10"]).changes == [.limit(10)])
        #expect(Modes.parse("-l", parameters: []).changes == [.limit(nil)])
        // -l takes no parameter: the next one belongs to +o.
        #expect(Modes.parse("-l+o", parameters: ["carol"]).changes == [.limit(nil), .member(mode: "o", nick: "carol", true)])
        let bad = Modes.parse("+l", parameters: ["ten"])
        #expect(bad.changes.isEmpty)
        #expect(bad.problems == [.invalidLimit("ten")])
        #expect(Modes.parse("+l", parameters: ["0"]).problems == [.invalidLimit("0")])
    }

    @Test func bansAndBanList() {
        #expect(Modes.parse("+b", parameters: []).changes == [.listBans])
        #expect(Modes.parse("b", parameters: []).changes == [.listBans])
        #expect(Modes.parse("+bb", parameters: []).changes == [.listBans])
        #expect(Modes.parse("+b", parameters: ["*!*@x"]).changes == [.ban(mask: "*!*@x", true)])
        #expect(Modes.parse("-b", parameters: ["*!*@x"]).changes == [.ban(mask: "*!*@x", false)])
    }

    @Test func flagsKeysAndUnknownModes() {
        let (changes, problems) = Modes.parse("+imZ-nt+sP", parameters: [])
        #expect(changes == [.flag("i", true), .flag("m", true), .flag("n", false), .flag("t", false), .flag("s", true), .flag("P", true)])
        #expect(problems == [.unknownMode("Z")])
        // -k consumes its parameter when there is one (CHANMODES group B), and works bare.
        #expect(Modes.parse("-k+o", parameters: ["old", "dave"]).changes == [.key(nil), .member(mode: "o", nick: "dave", true)])
        #expect(Modes.parse("-k", parameters: []).changes == [.key(nil)])
        // A key JOIN could not send is refused (696); a long one is cut to KEYLEN.
        #expect(Modes.parse("+k", parameters: ["a,b"]).problems == [.invalidKey("a,b")])
        #expect(Modes.parse("+k", parameters: ["a b"]).problems == [.invalidKey("a b")])
        #expect(Modes.parse("+k", parameters: ["a,b"]).changes.isEmpty)
        #expect(Modes.parse("+k", parameters: [String(repeating: "k", count: 40)]).changes
            == [.key(String(repeating: "k", count: Modes.maximumKeyLength))])
        #expect(Modes.parse("+k", parameters: [""]).problems == [.missingParameter("k")])
    }

    @Test func missingParameters() {
        let (changes, problems) = Modes.parse("+okl", parameters: ["alice"])
        #expect(changes == [.member(mode: "o", nick: "alice", true)])
        #expect(problems == [.missingParameter("k"), .missingParameter("l")])
        #expect(Modes.parse("-v", parameters: []).problems == [.missingParameter("v")])
    }

    @Test func atMostMODESParameterChanges() {
        let nicks = (1...8).map { "n\($0)" }
        let (changes, problems) = Modes.parse("+vvvvvvvv", parameters: nicks)
        #expect(changes == nicks.prefix(Modes.maximumChanges).map { .member(mode: "v", nick: $0, true) })
        #expect(problems.isEmpty)
        // Flags do not count against the limit.
        #expect(Modes.parse("+imnts", parameters: []).changes.count == 5)
    }

    // MARK: Configuration

    @Test func applyBothWays() {
        var base = RoomConfiguration()
        base.topicRestricted = false
        let (on, _) = Modes.parse("+imntsPkl", parameters: ["pw", "25"])
        let set = Modes.apply(on, to: base)
        #expect(set.membersOnly && set.moderated && set.topicRestricted && set.hidden && set.persistent)
        #expect(!set.allowsExternalMessages)
        #expect(set.password == "pw")
        #expect(set.maxOccupants == 25)

        let (off, _) = Modes.parse("-imntsPkl", parameters: ["pw"])
        let cleared = Modes.apply(off, to: set)
        #expect(!cleared.membersOnly && !cleared.moderated && !cleared.topicRestricted && !cleared.hidden && !cleared.persistent)
        #expect(cleared.allowsExternalMessages)
        #expect(cleared.password == nil)
        #expect(cleared.maxOccupants == nil)
        // Member and ban changes leave the configuration alone.
        let members = Modes.apply([.member(mode: "o", nick: "x", true), .ban(mask: "*!*@*", true), .listBans], to: set)
        #expect(members == set)
    }

    @Test func modeStringForRPLChannelModeIs() {
        let defaults = Modes.modeString(for: RoomConfiguration(), showParameters: true)
        #expect(defaults.modes == "+nt")
        #expect(defaults.parameters.isEmpty)

        var configuration = RoomConfiguration()
        configuration.moderated = true
        configuration.persistent = true
        configuration.allowsExternalMessages = true
        configuration.password = "sesame"
        configuration.maxOccupants = 50
        #expect(Modes.modeString(for: configuration, showParameters: true).modes == "+mtPlk")
        #expect(Modes.modeString(for: configuration, showParameters: true).parameters == ["50", "sesame"])
        // Non-members see the letters only.
        #expect(Modes.modeString(for: configuration, showParameters: false) == ("+mtPlk", []))

        // What modeString shows, parse and apply read back to the same configuration.
        let shown = Modes.modeString(for: configuration, showParameters: true)
        let (changes, problems) = Modes.parse(shown.modes, parameters: shown.parameters)
        #expect(problems.isEmpty)
        var blank = RoomConfiguration()  // every flag off
        blank.topicRestricted = false
        blank.allowsExternalMessages = true
        #expect(Modes.apply(changes, to: blank) == configuration)
    }

    @Test func isupportTokens() {
        #expect(Modes.prefixToken == "(qov)~@+")
        #expect(Modes.chanmodesToken == "b,k,l,imnstP")
        #expect(Modes.maximumChanges == 6)
    }

    // MARK: Prefixes

    @Test func prefixesWithAndWithoutMultiPrefix() {
        let cases: [(Occupant, Bool, String, String)] = [
            (occupant(.moderator, .owner), false, "~@", "~"),
            (occupant(.moderator, .admin), false, "@", "@"),
            (occupant(.participant, .admin), false, "@", "@"),
            (occupant(.moderator, .none), false, "@", "@"),
            (occupant(.moderator, .member), false, "@+", "@"),
            (occupant(.participant, .member), false, "+", "+"),
            (occupant(.participant, .none), false, "", ""),
            // Moderated: voice is the participant role.
            (occupant(.participant, .none), true, "+", "+"),
            (occupant(.participant, .member), true, "+", "+"),
            (occupant(.visitor, .none), true, "", ""),
            (occupant(.moderator, .owner), true, "~@", "~"),
        ]
        for (occupant, moderated, multi, single) in cases {
            #expect(Modes.prefixes(of: occupant, moderated: moderated, multiPrefix: true) == multi, "\(occupant.role) \(occupant.affiliation) \(moderated)")
            #expect(Modes.prefixes(of: occupant, moderated: moderated, multiPrefix: false) == single, "\(occupant.role) \(occupant.affiliation) \(moderated)")
        }
    }

    // MARK: Member changes

    @Test func memberChangeTable() {
        typealias C = Modes.MemberChange
        let rows: [(Character, Bool, Occupant, Bool, C?)] = [
            ("q", true, occupant(.participant, .none), false, .affiliation(.owner)),
            ("q", false, occupant(.moderator, .owner), false, .affiliation(.none)),
            ("q", false, occupant(.moderator, .admin), false, nil),
            // `a` is not a prefix mode: IRC op is the admin affiliation.
            ("a", true, occupant(.participant, .member), false, nil),
            ("o", true, occupant(.participant, .none), false, .affiliation(.admin)),
            ("o", true, occupant(.participant, .member), false, .affiliation(.admin)),
            ("o", true, occupant(.moderator, .none), false, .affiliation(.admin)),
            ("o", true, occupant(.moderator, .owner), false, nil),
            ("o", true, occupant(.moderator, .admin), false, nil),
            ("o", true, occupant(.participant, .admin), false, .role(.moderator)),
            ("o", false, occupant(.moderator, .admin), false, .affiliation(.none)),
            ("o", false, occupant(.moderator, .owner), false, nil),
            ("o", false, occupant(.moderator, .none), false, .role(.participant)),
            ("o", false, occupant(.moderator, .none), true, .role(.visitor)),
            ("o", false, occupant(.moderator, .member), true, .role(.participant)),
            ("o", false, occupant(.participant, .none), false, nil),
            ("v", true, occupant(.visitor, .none), true, .role(.participant)),
            // An operator's voice sits beside its rank (`@+`).
            ("v", true, occupant(.moderator, .none), true, .voice(true)),
            ("v", true, occupant(.participant, .none), false, .affiliation(.member)),
            ("v", true, occupant(.moderator, .admin), false, .voice(true)),
            ("v", false, occupant(.participant, .none), true, .role(.visitor)),
            ("v", false, occupant(.participant, .member), false, .affiliation(.none)),
            ("v", false, occupant(.participant, .none), false, nil),
            ("b", true, occupant(.participant, .none), false, nil),
        ]
        for (mode, adding, occupant, moderated, expected) in rows {
            #expect(Modes.memberChange(mode: mode, adding: adding, occupant: occupant, moderated: moderated) == expected,
                "\(adding ? "+" : "-")\(mode) on \(occupant.role)/\(occupant.affiliation) moderated=\(moderated)")
        }
    }

    @Test func voiceShowsAfterItsChange() {
        // +v in an unmoderated room makes a member, and a member shows `+`.
        var bob = occupant(.participant, .none)
        guard case .affiliation(let affiliation)? = Modes.memberChange(mode: "v", adding: true, occupant: bob, moderated: false) else {
            Issue.record("+v must change the affiliation in an unmoderated room")
            return
        }
        bob.affiliation = affiliation
        #expect(Modes.prefixes(of: bob, moderated: false, multiPrefix: true) == "+")
    }
}
