import ParleyXML
import Testing

@testable import ParleyXMPP

/// XEP-0124's session rules on the value-type machine alone: no HTTP, no clock (instants
/// are passed in), no stream.
@Suite struct BOSHSessionMachineTests {
    typealias Machine = BOSHSessionMachine
    static let second: UInt64 = 1_000_000_000
    static let t0: UInt64 = 1_000 * second

    /// A session created by rid 100 (waiter 0), wait 30 s, hold 1, inactivity 60 s.
    static func machine() -> Machine {
        var creation = BOSHRequest(rid: 100)
        creation.wait = 30
        creation.hold = 1
        let parameters = BOSHParameters(sid: "s1", request: creation, maximumWait: 60, inactivity: 60, polling: 2, domain: "example.test")
        return Machine(parameters: parameters, rid: 100, waiter: 0, now: t0)
    }

    static let message = XMLElement(name: "message", namespace: XMPPNamespace.client, attributes: [XMLAttribute("to", value: "bob@example.test")])

    static func request(_ rid: UInt64, _ content: BOSHRequest.Content = .payload([])) -> BOSHRequest {
        BOSHRequest(rid: rid, sid: "s1", content: content)
    }

    @Test func theCreationRequestWaitsForTheFeaturesAndCarriesTheSessionAttributes() {
        var machine = Self.machine()
        machine.streamOpened(id: "stream-1")
        #expect(machine.flush(now: Self.t0).isEmpty, "nothing queued yet")
        machine.enqueue(Array("<stream:features/>".utf8))
        let actions = machine.flush(now: Self.t0)
        #expect(actions == [.respond(0, BOSHResponse(payload: Array("<stream:features/>".utf8), creation: true))])
        #expect(machine.streamID == "stream-1")
        #expect(machine.pendingBytes == 0)
    }

    @Test func aHeldRequestIsAnsweredEmptyAtItsWait() {
        var machine = Self.machine()
        #expect(machine.tick(now: Self.t0 + 29 * Self.second).isEmpty)
        #expect(machine.tick(now: Self.t0 + 30 * Self.second) == [.respond(0, BOSHResponse(creation: true))])
        #expect(machine.waitingRequests == 0)
    }

    @Test func aNewRequestReleasesTheOlderOneBeyondHold() {
        var machine = Self.machine()
        let actions = machine.receive(Self.request(101, .payload([Self.message])), waiter: 1, now: Self.t0)
        #expect(actions == [.respond(0, BOSHResponse(creation: true)), .deliver([Self.message])])
        // Bytes for the client leave on the request held now.
        machine.enqueue(Array("<message/>".utf8))
        #expect(machine.flush(now: Self.t0) == [.respond(1, BOSHResponse(payload: Array("<message/>".utf8)))])
    }

    @Test func bytesQueuedWhileNothingIsHeldLeaveOnTheNextRequest() {
        var machine = Self.machine()
        _ = machine.tick(now: Self.t0 + 30 * Self.second)
        machine.enqueue(Array("<iq/>".utf8))
        #expect(machine.flush(now: Self.t0 + 30 * Self.second).isEmpty)
        let actions = machine.receive(Self.request(101), waiter: 1, now: Self.t0 + 31 * Self.second)
        #expect(actions == [.respond(1, BOSHResponse(payload: Array("<iq/>".utf8)))])
    }

    @Test func payloadsAreDeliveredInRIDOrder() {
        var machine = Self.machine()
        let second = XMLElement(name: "presence", namespace: XMPPNamespace.client)
        #expect(machine.receive(Self.request(102, .payload([second])), waiter: 2, now: Self.t0).isEmpty, "waits for 101")
        let actions = machine.receive(Self.request(101, .payload([Self.message])), waiter: 1, now: Self.t0)
        #expect(
            actions == [
                .respond(0, BOSHResponse(creation: true)), .deliver([Self.message]),
                .respond(1, .empty), .deliver([second]),
            ])
    }

    @Test func aRIDBeyondTheWindowEndsTheSessionWithItemNotFound() {
        var machine = Self.machine()
        let actions = machine.receive(Self.request(103), waiter: 1, now: Self.t0)
        #expect(
            actions == [
                .respond(1, .terminate(.itemNotFound)), .respond(0, .terminate(.itemNotFound)), .sessionEnded(.itemNotFound),
            ])
        #expect(machine.isEnded)
        #expect(machine.receive(Self.request(101), waiter: 2, now: Self.t0) == [.respond(2, .terminate(.itemNotFound))])
    }

    @Test func aRepeatedRIDGetsItsResponseAgain() {
        var machine = Self.machine()
        machine.enqueue(Array("<stream:features/>".utf8))
        let first = machine.flush(now: Self.t0)
        guard case .respond(_, let response) = first.first else {
            Issue.record("no response")
            return
        }
        #expect(machine.receive(Self.request(100), waiter: 5, now: Self.t0) == [.respond(5, response)])
    }

    @Test func aRIDWhoseResponseIsNoLongerKeptEndsTheSession() {
        var machine = Self.machine()
        // Four more requests: the responses to 100 and 101 leave the window of 2.
        for rid in UInt64(101)...104 { _ = machine.receive(Self.request(rid), waiter: rid, now: Self.t0) }
        let actions = machine.receive(Self.request(101), waiter: 9, now: Self.t0)
        #expect(actions.first == .respond(9, .terminate(.itemNotFound)))
        #expect(actions.last == .sessionEnded(.itemNotFound))
    }

    @Test func aRepeatedHeldRequestTakesThePlaceOfItsBrokenPredecessor() {
        var machine = Self.machine()
        _ = machine.receive(Self.request(101), waiter: 1, now: Self.t0)
        #expect(machine.receive(Self.request(101), waiter: 2, now: Self.t0) == [.respond(1, .empty)])
        machine.enqueue(Array("<iq/>".utf8))
        #expect(machine.flush(now: Self.t0) == [.respond(2, BOSHResponse(payload: Array("<iq/>".utf8)))])
    }

    @Test func theClientsTerminateEndsTheSessionAfterItsPayload() {
        var machine = Self.machine()
        let unavailable = XMLElement(name: "presence", namespace: XMPPNamespace.client, attributes: [XMLAttribute("type", value: "unavailable")])
        let actions = machine.receive(Self.request(101, .terminate([unavailable])), waiter: 1, now: Self.t0)
        #expect(actions == [.respond(0, .terminate(nil)), .respond(1, .terminate(nil)), .clientTerminated([unavailable])])
        #expect(machine.isEnded)
        // The stream's closing that follows forgets the session, once.
        #expect(machine.close(streamError: nil) == [.sessionEnded(nil)])
        #expect(machine.close(streamError: nil).isEmpty)
    }

    @Test func aSessionWithoutRequestsEndsAfterInactivity() {
        var machine = Self.machine()
        _ = machine.tick(now: Self.t0 + 30 * Self.second)  // the held request's wait is over at t0+30
        #expect(machine.tick(now: Self.t0 + 89 * Self.second).isEmpty)
        #expect(machine.tick(now: Self.t0 + 90 * Self.second) == [.sessionEnded(nil)])
        #expect(machine.tick(now: Self.t0 + 91 * Self.second).isEmpty)
    }

    @Test func aHeldRequestKeepsTheSessionAlive() {
        var machine = Self.machine()
        for step in UInt64(1)...10 {
            // Each wait ends with an empty answer; the client asks again at once.
            _ = machine.tick(now: Self.t0 + step * 30 * Self.second)
            _ = machine.receive(Self.request(100 + step), waiter: step, now: Self.t0 + step * 30 * Self.second)
        }
        #expect(!machine.isEnded)
    }

    @Test func aStreamErrorTerminatesWithRemoteStreamErrorOnTheHeldRequest() {
        var machine = Self.machine()
        let error = Array("<stream:error/>".utf8)
        let actions = machine.close(streamError: error)
        #expect(
            actions == [
                .respond(0, BOSHResponse(payload: error, terminates: true, condition: .remoteStreamError, creation: true)),
                .sessionEnded(nil),
            ])
    }

    @Test func aClosingWithNothingHeldWaitsForTheNextRequest() {
        var machine = Self.machine()
        _ = machine.tick(now: Self.t0 + 30 * Self.second)
        #expect(machine.close(streamError: nil).isEmpty)
        #expect(machine.isEnded)
        let actions = machine.receive(Self.request(101), waiter: 1, now: Self.t0 + 31 * Self.second)
        #expect(actions == [.respond(1, .terminate(nil)), .sessionEnded(nil)])
    }

    @Test func aRestartAsksTheStreamForNewFeatures() {
        var machine = Self.machine()
        let actions = machine.receive(Self.request(101, .restart), waiter: 1, now: Self.t0)
        #expect(actions == [.respond(0, BOSHResponse(creation: true)), .restartStream])
    }

    @Test func anAbortAnswersEveryWaitingRequest() {
        var machine = Self.machine()
        _ = machine.receive(Self.request(102), waiter: 2, now: Self.t0)
        let actions = machine.abort(.policyViolation)
        #expect(
            actions == [
                .respond(0, BOSHResponse(terminates: true, condition: .policyViolation, creation: true)),
                .respond(2, .terminate(.policyViolation)), .sessionEnded(.policyViolation),
            ])
        #expect(machine.abort(.policyViolation).isEmpty)
    }

    @Test func theServerGrantsAtMostItsWaitAndAHoldOfOne() {
        var creation = BOSHRequest(rid: 1)
        creation.wait = 300
        creation.hold = 5
        let granted = BOSHParameters(sid: "s", request: creation, maximumWait: 60, inactivity: 60, polling: 2, domain: "d")
        #expect(granted.wait == 60)
        #expect(granted.hold == 1)
        #expect(granted.requests == 2)
        creation.hold = 0
        #expect(BOSHParameters(sid: "s", request: creation, maximumWait: 60, inactivity: 60, polling: 2, domain: "d").hold == 0)
    }

    @Test func theVersionIsTheLowerOfTheClientsAndOurs() {
        #expect(BOSHParameters.version(offered: "1.6") == "1.6")
        #expect(BOSHParameters.version(offered: "1.11") == "1.11")
        #expect(BOSHParameters.version(offered: "1.20") == "1.11")
        #expect(BOSHParameters.version(offered: "2.0") == "1.11")
        #expect(BOSHParameters.version(offered: nil) == "1.11")
        #expect(BOSHParameters.version(offered: "x") == "1.11")
    }
}
