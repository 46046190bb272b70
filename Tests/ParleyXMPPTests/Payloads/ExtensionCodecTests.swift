import SeededRandom
import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@Suite("XMPP extension payloads")
struct ExtensionCodecTests {
    let codec = XMPPExtensionCodec()

    static let known: [(String, ExtensionMeaning)] = [
        ("<origin-id xmlns='urn:xmpp:sid:0' id='de305d54'/>", .messageID("de305d54")),
        ("<reply xmlns='urn:xmpp:reply:0' to='anna@example.com/laptop' id='message-id1'/>", .reply(to: "message-id1")),
        (
            "<reactions xmlns='urn:xmpp:reactions:0' id='744f6e18'><reaction>👋</reaction></reactions>",
            .reaction(to: "744f6e18", emoji: "👋")
        ),
        ("<replace xmlns='urn:xmpp:message-correct:0' id='bad1'/>", .correction(of: "bad1")),
        ("<retract xmlns='urn:xmpp:message-retract:1' id='origin-id-1'/>", .retraction(of: "origin-id-1")),
        ("<active xmlns='http://jabber.org/protocol/chatstates'/>", .typing(.active)),
        ("<composing xmlns='http://jabber.org/protocol/chatstates'/>", .typing(.composing)),
        ("<paused xmlns='http://jabber.org/protocol/chatstates'/>", .typing(.paused)),
        ("<inactive xmlns='http://jabber.org/protocol/chatstates'/>", .typing(.inactive)),
        ("<gone xmlns='http://jabber.org/protocol/chatstates'/>", .typing(.gone)),
        (
            "<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>Offline Storage</delay>",
            .timestamp(Date(timeIntervalSince1970: 1_031_699_305))
        ),
        (
            "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>Hi <strong>you</strong> &amp; &lt;them&gt;</p></body></html>",
            .formatting(markup: "<p>Hi <strong>you</strong> &amp; &lt;them&gt;</p>")
        ),
    ]

    @Test("each known XEP element gets its meaning and keeps its native form", arguments: known)
    func decodesKnown(_ xml: String, _ meaning: ExtensionMeaning) throws {
        let element = try payloadXML(xml)
        let payload = codec.payload(for: element)
        #expect(payload.meaning == meaning)
        #expect(
            payload.native == NativePayload(family: .xmpp, key: "{\(element.namespace)}\(element.name)", value: element)
        )
        #expect(codec.elements(for: [payload]) == [element])
    }

    @Test(
        "malformed or unknown elements keep their native form, without meaning",
        arguments: [
            "<origin-id xmlns='urn:xmpp:sid:0'/>",
            "<stanza-id xmlns='urn:xmpp:sid:0' id='x' by='room@muc.example'/>",
            "<reply xmlns='urn:xmpp:reply:0' id=''/>",
            "<reactions xmlns='urn:xmpp:reactions:0'><reaction>👋</reaction></reactions>",
            "<reactions xmlns='urn:xmpp:reactions:0' id='a'><reaction>not an emoji</reaction></reactions>",
            "<replace xmlns='urn:xmpp:message-correct:0'/>",
            "<retract xmlns='urn:xmpp:message-retract:1'/>",
            "<typing xmlns='http://jabber.org/protocol/chatstates'/>",
            "<delay xmlns='urn:xmpp:delay' stamp='2002-09-10 23:08:25'/>",
            "<delay xmlns='urn:xmpp:delay'/>",
            "<html xmlns='http://jabber.org/protocol/xhtml-im'/>",
            "<x xmlns='jabber:x:oob'><url>http://example.com/</url></x>",
        ])
    func keepsMalformed(_ xml: String) throws {
        let element = try payloadXML(xml)
        let payloads = codec.payloads(from: [element])
        #expect(payloads.count == 1)
        #expect(payloads.first?.meaning == nil)
        #expect(payloads.first?.native?.value as? XMLElement == element)
        #expect(codec.elements(for: payloads) == [element])
    }

    @Test("several reactions: one meaning carrying the whole set, in order, without duplicates")
    func severalReactions() throws {
        let element = try payloadXML(
            "<reactions xmlns='urn:xmpp:reactions:0' id='m1'><reaction>👋</reaction><reaction>🐢</reaction><reaction>👋</reaction><reaction>❤️</reaction><reaction>+1</reaction></reactions>"
        )
        #expect(codec.payload(for: element).meaning == .reaction(to: "m1", emoji: "👋🐢❤️"))
        let cleared = try payloadXML("<reactions xmlns='urn:xmpp:reactions:0' id='m1'/>")
        #expect(codec.payload(for: cleared).meaning == .reaction(to: "m1", emoji: ""))
        // Rendered for XMPP: one <reaction/> per emoji (each a grapheme cluster).
        let rendered = try #require(codec.render(.reaction(to: "m1", emoji: "👋🐢❤️👨‍👩‍👧👋")))
        #expect(rendered.elements.map(\.text) == ["👋", "🐢", "❤️", "👨‍👩‍👧"])
        #expect(rendered[attribute: "id"] == "m1")
    }

    @Test("decode then encode gives back the identical elements (random lists, known and unknown)")
    func roundTripProperty() throws {
        var random = PayloadTestRandom(seed: 0x0245)
        let knownElements = try Self.known.map { try payloadXML($0.0) }
        for _ in 0..<400 {
            var elements: [XMLElement] = []
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                if Bool.random(using: &random), let known = knownElements.randomElement(using: &random) {
                    elements.append(known)
                } else {
                    elements.append(Self.randomElement(depth: 0, using: &random))
                }
            }
            let payloads = codec.payloads(from: elements)
            #expect(payloads.count == elements.count)
            #expect(codec.elements(for: payloads) == elements)
        }
    }

    @Test("meanings from another protocol are rendered as XEP elements that decode to the same meaning")
    func rendersForeignMeanings() throws {
        let meanings: [ExtensionMeaning] =
            [
                .messageID("abc"), .reply(to: "m0"), .reaction(to: "m0", emoji: "👍🎉"), .correction(of: "m1"),
                .retraction(of: "m2"), .timestamp(Date(timeIntervalSince1970: 1_795_287_600.123)),
                .formatting(markup: "<b>bold</b> and <i>italic</i> &amp; text"),
            ] + TypingState.allCases.map { .typing($0) }
        for meaning in meanings {
            // As the IRC adapter would hand it over: its own native form plus the meaning.
            let payload = ExtensionPayload(
                meaning: meaning, native: NativePayload(family: .irc, key: "tag", value: "v"))
            let elements = codec.elements(for: [payload])
            #expect(elements.count == 1, "\(meaning)")
            let element = try #require(elements.first)
            let bytes = element.serialized()
            let decoded = codec.payloads(from: [try XMLStreamParser.parseDocument(bytes)])
            #expect(decoded.first?.meaning == meaning, "\(meaning) → \(element)")
        }
        #expect(codec.render(.typing(.composing))?.name == "composing")
        #expect(codec.render(.timestamp(Date(timeIntervalSince1970: 0)))?[attribute: "stamp"] == "1970-01-01T00:00:00Z")
    }

    @Test("XEP-0249 direct invitations to a room of the service have a meaning; elsewhere, native only")
    func directInvitations() throws {
        let rooms = RoomJIDMapping(domain: "conference.example.org")
        let withRooms = XMPPExtensionCodec(rooms: rooms)
        let element = try payloadXML(
            "<x xmlns='jabber:x:conference' jid='a\\26b@conference.example.org' password='pw' reason='come in'/>")
        let payload = withRooms.payload(for: element)
        #expect(payload.meaning == .invitation(room: RoomID("a&b")!, reason: "come in"))
        // Back to XMPP: the original element, password and all.
        #expect(withRooms.elements(for: [payload]) == [element])
        // A room of another service, an occupant JID, no JID, or no rooms served: no meaning.
        for xml in [
            "<x xmlns='jabber:x:conference' jid='dev@muc.elsewhere.example'/>",
            "<x xmlns='jabber:x:conference' jid='dev@conference.example.org/nick'/>",
            "<x xmlns='jabber:x:conference'/>",
        ] {
            let other = withRooms.payload(for: try payloadXML(xml))
            #expect(other.meaning == nil, "\(xml)")
            #expect(other.native != nil)
        }
        #expect(codec.payload(for: element).meaning == nil)
        // From another protocol: rendered with the room's JID, and read back the same.
        let rendered = try #require(withRooms.render(.invitation(room: RoomID("a&b")!, reason: "hi")))
        #expect(rendered[attribute: "jid"] == "a\\26b@conference.example.org")
        #expect(withRooms.payload(for: rendered).meaning == .invitation(room: RoomID("a&b")!, reason: "hi"))
        #expect(codec.render(.invitation(room: RoomID("dev")!, reason: nil)) == nil)
    }

    @Test("formatting markup that is not well-formed is carried as text")
    func malformedMarkup() throws {
        let html = try #require(codec.render(.formatting(markup: "a < b & <c")))
        let body = try #require(html.firstChild(named: "body", namespace: "http://www.w3.org/1999/xhtml"))
        #expect(body.text == "a < b & <c")
        let decoded = codec.payload(for: try XMLStreamParser.parseDocument(html.serialized()))
        #expect(decoded.meaning == .formatting(markup: "a &lt; b &amp; &lt;c"))
    }

    @Test("XHTML-IM: the body without xml:lang is preferred")
    func htmlLanguages() throws {
        let element = try payloadXML(
            """
            <html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml' xml:lang='fr'>Bonjour</body><body xmlns='http://www.w3.org/1999/xhtml'>Hello</body></html>
            """)
        #expect(codec.payload(for: element).meaning == .formatting(markup: "Hello"))
    }

    @Test("a foreign payload without a meaning is dropped and counted; an action adds no element")
    func dropsAndActions() {
        let table = TranslationTable(rules: TranslationTable.standard.rules)
        let codec = XMPPExtensionCodec(table: table)
        let ircOnly = ExtensionPayload(native: NativePayload(family: .irc, key: "+example/unknown", value: "1"))
        #expect(codec.elements(for: [ircOnly, ircOnly]).isEmpty)
        #expect(table.dropCounts["irc:+example/unknown has no known meaning for xmpp"] == 2)
        #expect(codec.elements(for: [ExtensionPayload(meaning: .action)]).isEmpty)
        #expect(table.dropCounts.values.reduce(0, +) == 2)
    }

    @Test("the table decides: without a rule for replies, a reply stays native only")
    func tableDriven() throws {
        let rules = TranslationTable.standard.rules.filter { $0.kind != .reply }
        let codec = XMPPExtensionCodec(table: TranslationTable(rules: rules))
        let element = try payloadXML("<reply xmlns='urn:xmpp:reply:0' id='m'/>")
        #expect(codec.payload(for: element).meaning == nil)
        #expect(codec.elements(for: codec.payloads(from: [element])) == [element])
        #expect(codec.render(.reply(to: "m")) == nil)
    }

    // MARK: XEP-0245 /me

    @Test("/me: stripped on the way in, restored on the way out")
    func action() {
        let (body, action) = codec.decodeAction(body: "/me waves")
        #expect(body == "waves")
        #expect(action == ExtensionPayload(meaning: .action))
        #expect(action?.native == nil)
        #expect(codec.encodeAction(body: body, payloads: [action].compactMap { $0 }) == "/me waves")
        #expect(codec.decodeAction(body: "/mewaves").action == nil)
        #expect(codec.decodeAction(body: " /me waves").action == nil)
        #expect(codec.decodeAction(body: "/me ") == ("", ExtensionPayload(meaning: .action)))
        #expect(codec.encodeAction(body: "plain", payloads: []) == "plain")
        #expect(codec.encodeAction(body: nil, payloads: [ExtensionPayload(meaning: .action)]) == nil)
    }

    @Test("an action from another protocol gets the /me prefix")
    func foreignAction() {
        let fromIRC = ExtensionPayload(
            meaning: .action, native: NativePayload(family: .irc, key: "ctcp", value: "ACTION"))
        #expect(codec.encodeAction(body: "waves", payloads: [fromIRC]) == "/me waves")
    }

    @Test("XMPP to XMPP: a /me message with extensions comes out byte for byte")
    func byteIdenticalRelay() throws {
        let stanzas = XMPPStanzaCodec(extensions: codec)
        let juliet = UserID(localpart: "juliet", domain: "example.com")
        let romeo = UserID(localpart: "romeo", domain: "example.net")
        let from = SessionID(user: juliet, resource: "balcony")
        let original = try payloadXML(
            """
            <message xmlns='jabber:client' from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='m1'>\
            <body>/me waves at  you &amp; the &lt;nurse&gt;</body>\
            <origin-id xmlns='urn:xmpp:sid:0' id='o1'/>\
            <reactions xmlns='urn:xmpp:reactions:0' id='m0'><reaction>👋</reaction><reaction>🐢</reaction></reactions>\
            <composing xmlns='http://jabber.org/protocol/chatstates'/>\
            <x xmlns='urn:example:unknown' a='1'><y>text</y></x>\
            </message>
            """)
        let message = stanzas.message(from: original, to: .user(romeo), sender: .session(from))
        #expect(message.body == "waves at  you & the <nurse>")
        #expect(message.meanings.contains(.action))
        #expect(message.meanings.contains(.reaction(to: "m0", emoji: "👋🐢")))
        let delivered = stanzas.element(for: message, from: JID(from), to: JID(romeo))
        #expect(
            delivered.serialized(inheritedNamespace: "jabber:client")
                == original.serialized(inheritedNamespace: "jabber:client"))
    }

    // MARK: Random elements

    static let namespaces = [
        "urn:example:a", "urn:example:b", "", "urn:xmpp:sid:0", "urn:xmpp:reactions:0", "urn:xmpp:delay",
        "http://jabber.org/protocol/chatstates", "http://jabber.org/protocol/xhtml-im", "http://www.w3.org/1999/xhtml",
    ]
    static let names = [
        "x", "origin-id", "stanza-id", "reactions", "reaction", "delay", "composing", "html", "body", "item",
    ]
    static let texts = ["", "hello", "👋", "a & b < c", "  spaced  ", "2002-09-10T23:08:25Z", "ümlaut"]

    static func randomElement(depth: Int, using random: inout PayloadTestRandom) -> XMLElement {
        var element = XMLElement(
            name: names.randomElement(using: &random)!, namespace: namespaces.randomElement(using: &random)!)
        for name in ["id", "stamp", "to", "type"] where Bool.random(using: &random) {
            element[attribute: name] = texts.randomElement(using: &random)!
        }
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            if depth < 2 && Bool.random(using: &random) {
                element.append(randomElement(depth: depth + 1, using: &random))
            } else {
                element.append(text: texts.randomElement(using: &random)!)
            }
        }
        return element
    }
}
