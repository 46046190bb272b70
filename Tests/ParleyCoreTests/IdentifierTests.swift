import ParleyCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    // MARK: Username

    @Test func usernameFoldsCase() throws {
        let upper = try #require(Username("ALICE"))
        let mixed = try #require(Username("Alice"))
        #expect(upper.value == "alice")
        #expect(upper == mixed)
        #expect(upper.description == "alice")
    }

    @Test func usernameAppliesNFC() throws {
        // "é" as e + COMBINING ACUTE ACCENT is stored as the single precomposed scalar.
        let decomposed = try #require(Username("Re\u{301}ne"))
        let precomposed = try #require(Username("r\u{E9}ne"))
        #expect(Array(decomposed.value.unicodeScalars) == Array("r\u{E9}ne".unicodeScalars))
        #expect(decomposed == precomposed)
        // Lowercasing can create a composable pair: capital iota with dialytika + acute folds
        // to small iota with dialytika + acute, whose NFC form is the single scalar U+0390.
        let greek = try #require(Username("\u{3AA}\u{301}"))
        #expect(Array(greek.value.unicodeScalars) == ["\u{390}"])
        #expect(Array(try #require(Username("\u{390}")).value.unicodeScalars) == ["\u{390}"])
        // ANGSTROM SIGN normalizes to Å, then folds to å.
        #expect(Array(try #require(Username("\u{212B}ke")).value.unicodeScalars) == Array("\u{E5}ke".unicodeScalars))
    }

    @Test(arguments: ["@", "/", ":", "'", "\"", "<", ">", "&", " "])
    func usernameRejectsForbiddenCharacter(_ character: String) {
        #expect(Username("al\(character)ice") == nil)
        #expect(Username("\(character)") == nil)
    }

    @Test func usernameRejectsForbiddenCharacterHiddenInAGraphemeCluster() {
        // "@" followed by a combining mark is one Character but still contains "@".
        #expect(Username("a@\u{301}b") == nil)
        #expect(Username("a/\u{301}b") == nil)
        #expect(UserID(parsing: "a@\u{301}b@example.com") == nil)
    }

    @Test func usernameRejectsControlsAndOtherSpaces() {
        #expect(Username("al\u{0}ice") == nil)
        #expect(Username("al\nice") == nil)
        #expect(Username("al\tice") == nil)
        #expect(Username("al\u{7F}ice") == nil)
        #expect(Username("al\u{A0}ice") == nil)  // no-break space
        #expect(Username("al\u{3000}ice") == nil)  // ideographic space
    }

    @Test func usernameRejectsEmptyAndOverLong() {
        #expect(Username("") == nil)
        #expect(Username(String(repeating: "a", count: Username.maximumBytes)) != nil)
        #expect(Username(String(repeating: "a", count: Username.maximumBytes + 1)) == nil)
        // The limit is in UTF-8 bytes: 512 two-byte characters are 1024 bytes.
        #expect(Username(String(repeating: "\u{E9}", count: 511)) != nil)
        #expect(Username(String(repeating: "\u{E9}", count: 512)) == nil)
    }

    @Test func usernameAcceptsNonASCII() throws {
        #expect(try #require(Username("Jürgen")).value == "jürgen")
        #expect(Username("山田") != nil)
    }

    @Test func usernamesSortByValue() throws {
        let names = ["carol", "Alice", "bob"].compactMap(Username.init)
        #expect(names.sorted().map(\.value) == ["alice", "bob", "carol"])
    }

    // MARK: UserID

    @Test func userIDParsesLocalAndDomain() throws {
        let id = try #require(UserID(parsing: "Alice@Example.COM"))
        #expect(id.localpart == "alice")
        #expect(id.domain == "example.com")
        #expect(id.username == Username("alice"))
        #expect(id.description == "alice@example.com")
        #expect(id == UserID(Username("alice")!, domain: "EXAMPLE.com"))
    }

    @Test func userIDParsesServiceAddress() throws {
        let id = try #require(UserID(parsing: "echo.example.com"))
        #expect(id.localpart == "")
        #expect(id.domain == "echo.example.com")
        #expect(id.username == nil)
        #expect(id.description == "echo.example.com")
    }

    @Test(arguments: ["", "@", "@example.com", "alice@", "a@b@c", "al ice@example.com", "<a>@example.com",
        "alice@example.com/phone", "alice@exa mple.com", "exa mple.com", "example.com/res", "alice@exa\u{0}mple.com",
    ])
    func userIDRejectsMalformed(_ text: String) {
        #expect(UserID(parsing: text) == nil)
    }

    @Test func userIDRoundTripsThroughDescription() throws {
        for text in ["bob@example.com", "example.com", "jürgen@example.org"] {
            let id = try #require(UserID(parsing: text))
            #expect(UserID(parsing: id.description) == id)
        }
    }

    @Test func sessionIDDescription() {
        #expect(session("alice", "phone").description == "alice@example.com/phone")
        #expect(session("alice", "phone") != session("alice", "laptop"))
    }

    // MARK: RoomID and Nickname

    @Test func roomIDIsCaseInsensitiveButKeepsItsSpelling() throws {
        let dev = try #require(RoomID("Dev"))
        let lower = try #require(RoomID("dev"))
        #expect(dev == lower)
        #expect(Set([dev, lower]).count == 1)
        #expect(dev.displayName == "Dev")
        #expect(dev.description == "Dev")
        #expect(lower.displayName == "dev")
        #expect(dev.key == "dev")
        #expect(dev != RoomID("ops"))
        #expect([RoomID("b")!, RoomID("A")!].sorted().map(\.displayName) == ["A", "b"])
    }

    @Test func roomIDRejectsInvalidNames() {
        #expect(RoomID("") == nil)
        #expect(RoomID("a b") == nil)
        #expect(RoomID("a,b") == nil)
        #expect(RoomID("a@b") == nil)
        #expect(RoomID("a/b") == nil)
        #expect(RoomID("a\u{7}b") == nil)
        #expect(RoomID(String(repeating: "r", count: RoomID.maximumBytes)) != nil)
        #expect(RoomID(String(repeating: "r", count: RoomID.maximumBytes + 1)) == nil)
    }

    @Test func nicknameIsCaseInsensitiveButKeepsItsSpelling() throws {
        let upper = try #require(Nickname("Bob"))
        let lower = try #require(Nickname("BOB"))
        #expect(upper == lower)
        #expect(Set([upper, lower]).count == 1)
        #expect(upper.displayName == "Bob")
        #expect(lower.description == "BOB")
        #expect(upper != Nickname("Bobby"))
        // Canonically equivalent spellings are one nickname.
        #expect(Nickname("Ren\u{E9}") == Nickname("rene\u{301}"))
    }

    @Test func nicknameSpacesAreNormalizedAsRFC8266Says() throws {
        let anne = try #require(Nickname("Anne Marie"))
        #expect(anne.displayName == "Anne Marie")
        // Any Unicode space is U+0020; none leads or trails; runs are one.
        #expect(Nickname("  Anne\u{A0}\u{3000} Marie ")?.displayName == "Anne Marie")
        #expect(Nickname("anne marie") == anne)
        #expect(Nickname("AnneMarie") != anne)
    }

    @Test func nicknameRejectsInvalidNames() {
        #expect(Nickname("") == nil)
        #expect(Nickname("   ") == nil)
        #expect(Nickname("a\tb") == nil)
        #expect(Nickname("a\nb") == nil)
        #expect(Nickname("a\u{2028}b") == nil)
        #expect(Nickname("a\u{0}b") == nil)
        #expect(Nickname(String(repeating: "n", count: Nickname.maximumBytes)) != nil)
        #expect(Nickname(String(repeating: "n", count: Nickname.maximumBytes + 1)) == nil)
    }

    // MARK: Address

    @Test func addressUserAndDescription() {
        let alice = user("alice")
        #expect(Address.user(alice).user == alice)
        #expect(Address.session(session("alice", "x")).user == alice)
        #expect(Address.room(roomID("dev")).user == nil)
        #expect(Address.occupant(roomID("dev"), nick("al")).user == nil)
        #expect(Address.occupant(roomID("Dev"), nick("al")).description == "room:Dev/al")
    }
}
