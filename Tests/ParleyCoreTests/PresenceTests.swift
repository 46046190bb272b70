import ParleyCore
import Testing

@Suite("Presence")
struct PresenceTests {
    @Test func availabilityOrderAndOnline() {
        let ordered: [Availability] = [.chat, .available, .away, .dnd, .xa, .unavailable]
        #expect(ordered.map(\.reachability) == ordered.map(\.reachability).sorted(by: >))
        #expect(Set(ordered.map(\.reachability)).count == ordered.count)
        #expect(Set(ordered) == Set(Availability.allCases))
        #expect(Availability.allCases.filter { !$0.isOnline } == [.unavailable])
    }

    @Test func presenceDefaults() {
        let presence = Presence()
        #expect(presence.availability == .available)
        #expect(presence.status == nil)
        #expect(presence.priority == 0)
        #expect(presence.payloads.isEmpty)
        #expect(Presence.unavailable.availability == .unavailable)
    }

    @Test func derivedOfNothingIsUnavailable() {
        #expect(Presence.derived(from: []) == .unavailable)
        #expect(Presence.derived(from: [.unavailable, Presence(.unavailable, priority: 50)]) == .unavailable)
    }

    @Test func derivedPicksHighestPriority() {
        let away = Presence(.away, status: "lunch", priority: 10)
        let chat = Presence(.chat, status: "talk to me", priority: 1)
        #expect(Presence.derived(from: [chat, away]) == away)
        #expect(Presence.derived(from: [away, chat]) == away)
    }

    @Test func derivedBreaksTiesByReachability() {
        let dnd = Presence(.dnd, status: "busy", priority: 5)
        let available = Presence(.available, status: "here", priority: 5)
        let xa = Presence(.xa, priority: 5)
        #expect(Presence.derived(from: [dnd, available, xa]) == available)
        #expect(Presence.derived(from: [xa, dnd]) == dnd)
    }

    @Test func derivedIgnoresUnavailableSessions() {
        let offline = Presence(.unavailable, status: "gone", priority: 100)
        let negative = Presence(.away, priority: -5)
        #expect(Presence.derived(from: [offline, negative]) == negative)
    }

    @Test func derivedKeepsStatusAndPayloads() {
        let payload = ExtensionPayload(native: NativePayload(family: .xmpp, key: "{vcard-temp:x:update}x", value: "hash"))
        let presence = Presence(.available, status: "on the train", priority: 3, payloads: [payload])
        let derived = Presence.derived(from: [Presence(.away, priority: 0), presence])
        #expect(derived.status == "on the train")
        #expect(derived.payloads == [payload])
    }
}
