import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@Suite("RFC 6121 §2 roster items")
struct RosterItemTests {
    static let juliet = UserID(localpart: "juliet", domain: "example.com")

    @Test(
        "subscription flags map to subscription, ask and approved",
        arguments: [
            (Subscription(), "none", false, false),
            (Subscription(to: true), "to", false, false),
            (Subscription(from: true), "from", false, false),
            (Subscription(to: true, from: true), "both", false, false),
            (Subscription(pendingOut: true), "none", true, false),
            (Subscription(from: true, pendingOut: true), "from", true, false),
            (Subscription(preApproved: true), "none", false, true),
            (Subscription(to: true, preApproved: true), "to", false, true),
            (Subscription(pendingIn: true), "none", false, false),
        ])
    func fromContact(_ subscription: Subscription, _ expected: String, _ ask: Bool, _ approved: Bool) {
        let item = RosterItem(Contact(address: Self.juliet, subscription: subscription))
        #expect(item.subscription.rawValue == expected)
        #expect(item.askSubscribe == ask)
        #expect(item.approved == approved)
        let element = item.element
        #expect(element[attribute: "subscription"] == expected)
        #expect(element[attribute: "ask"] == (ask ? "subscribe" : nil))
        #expect(element[attribute: "approved"] == (approved ? "true" : nil))
    }

    @Test("a contact's jid, name and groups (sorted) reach the element")
    func contactElement() throws {
        let contact = Contact(
            address: Self.juliet, name: "Juliet", groups: ["Friends", "Capulets"], subscription: .none)
        let element = RosterItem(contact).element
        #expect(element.name == "item" && element.namespace == "jabber:iq:roster")
        #expect(element[attribute: "jid"] == "juliet@example.com")
        #expect(element[attribute: "name"] == "Juliet")
        #expect(element.elements.map(\.text) == ["Capulets", "Friends"])
        #expect(try RosterItem(element: element) == RosterItem(contact))
    }

    @Test("a result query with a version, and its items read back")
    func query() throws {
        let items = [
            RosterItem(
                jid: try #require(JID("romeo@example.net")), name: "Romeo", subscription: .both, groups: ["Friends"]),
            RosterItem(removing: try #require(JID("nurse@example.com"))),
        ]
        let query = RosterItem.query(items: items, version: "42")
        #expect(query[attribute: "ver"] == "42")
        #expect(RosterItem.requestedVersion(in: query) == "42")
        #expect(RosterItem.query(items: [], version: nil).attributes.isEmpty)
        let reparsed = try XMLStreamParser.parseDocument(query.serialized())
        #expect(try RosterItem.items(of: reparsed) == items)
        #expect(reparsed.elements[1][attribute: "subscription"] == "remove")
    }

    @Test("a valid roster set: name, groups; subscription other than remove, ask and approved ignored")
    func parseSet() throws {
        let query = try payloadXML(
            """
            <query xmlns='jabber:iq:roster'>
              <item jid='nurse@example.com' name='Nurse' subscription='both' ask='subscribe' approved='true'>
                <group>Servants</group><group>Capulets</group>
              </item>
            </query>
            """)
        let item = try RosterItem.parseSet(query)
        #expect(item.jid == JID("nurse@example.com"))
        #expect(item.name == "Nurse")
        #expect(item.groups == ["Servants", "Capulets"])
        #expect(item.subscription == .none)
        #expect(!item.askSubscribe && !item.approved)
    }

    @Test("a removal needs only the jid; an empty name means no name")
    func parseRemoveAndEmptyName() throws {
        let removal = try RosterItem.parseSet(
            payloadXML("<query xmlns='jabber:iq:roster'><item jid='nurse@example.com' subscription='remove'/></query>"))
        #expect(removal == RosterItem(removing: try #require(JID("nurse@example.com"))))
        let unnamed = try RosterItem.parseSet(
            payloadXML("<query xmlns='jabber:iq:roster'><item jid='a@b' name=''/></query>"))
        #expect(unnamed.name == nil)
    }

    @Test(
        "roster set errors follow §2.1.5, §2.3.3 and RFC 6120 §8.3.3.8",
        arguments: [
            ("<query xmlns='jabber:iq:roster'/>", StanzaError.Condition.badRequest),
            ("<query xmlns='jabber:iq:roster'><item jid='a@b'/><item jid='c@d'/></query>", .badRequest),
            ("<query xmlns='jabber:iq:roster'><item name='x'/></query>", .badRequest),
            ("<query xmlns='jabber:iq:roster'><item jid='a@b/'/></query>", .jidMalformed),
            ("<query xmlns='jabber:iq:roster'><item jid='@b'/></query>", .jidMalformed),
            (
                "<query xmlns='jabber:iq:roster'><item jid='a@b'><group>G</group><group>G</group></item></query>",
                .badRequest
            ),
            ("<query xmlns='jabber:iq:roster'><item jid='a@b'><group/></item></query>", .notAcceptable),
            ("<query xmlns='jabber:iq:version'><item jid='a@b'/></query>", .badRequest),
        ])
    func setErrors(_ xml: String, _ expected: StanzaError.Condition) throws {
        let query = try payloadXML(xml)
        #expect(caughtStanzaError { _ = try RosterItem.parseSet(query) }?.condition == expected)
    }

    @Test("canonically equivalent group names are duplicates")
    func composedGroupsAreDuplicates() throws {
        let query = try payloadXML(
            "<query xmlns='jabber:iq:roster'><item jid='a@b'><group>Caf\u{E9}</group><group>Cafe\u{301}</group></item></query>"
        )
        #expect(caughtStanzaError { _ = try RosterItem.parseSet(query) }?.condition == .badRequest)
    }

    @Test("name, group and group-count limits: at the bound accepted, above it not-acceptable")
    func limits() throws {
        let limits = RosterLimits(maximumNameBytes: 8, maximumGroupBytes: 4, maximumGroups: 2)
        func set(name: String, groups: [String]) throws -> XMLElement {
            try payloadXML(
                "<query xmlns='jabber:iq:roster'><item jid='a@b' name='\(name)'>"
                    + groups.map { "<group>\($0)</group>" }.joined() + "</item></query>")
        }
        // "é" is two bytes in UTF-8: the bound counts bytes, not characters.
        #expect(try RosterItem.parseSet(set(name: "éééé", groups: ["abcd", "é"]), limits: limits).name == "éééé")
        let longName = try set(name: "ééééa", groups: [])
        #expect(
            caughtStanzaError { _ = try RosterItem.parseSet(longName, limits: limits) }?.condition == .notAcceptable)
        let longGroup = try set(name: "n", groups: ["ééa"])
        #expect(
            caughtStanzaError { _ = try RosterItem.parseSet(longGroup, limits: limits) }?.condition == .notAcceptable)
        let manyGroups = try set(name: "n", groups: ["a", "b", "c"])
        #expect(
            caughtStanzaError { _ = try RosterItem.parseSet(manyGroups, limits: limits) }?.condition == .notAcceptable)
        // The default bound is 1023 bytes.
        let atDefault = try set(
            name: String(repeating: "n", count: 1023), groups: [String(repeating: "g", count: 1023)])
        #expect(try RosterItem.parseSet(atDefault).name?.utf8.count == 1023)
        let overDefault = try set(name: String(repeating: "n", count: 1024), groups: [])
        #expect(caughtStanzaError { _ = try RosterItem.parseSet(overDefault) }?.condition == .notAcceptable)
    }

    @Test("reading a pushed item: absent subscription is none, a bad jid is an error")
    func readPushed() throws {
        let item = try RosterItem(element: payloadXML("<item xmlns='jabber:iq:roster' jid='a@b' ask='subscribe'/>"))
        #expect(item.subscription == .none && item.askSubscribe)
        let bad = try payloadXML("<item xmlns='jabber:iq:roster' jid=''/>")
        #expect(caughtStanzaError { _ = try RosterItem(element: bad) }?.condition == .jidMalformed)
    }
}
