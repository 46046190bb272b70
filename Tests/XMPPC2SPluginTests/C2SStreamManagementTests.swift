import NIOCore
import Testing

@testable import XMPPC2SPlugin

/// XEP-0198's per-session state: the server asks for acknowledgements (§4) once a few
/// stanzas wait, once until answered; a client that never answers overflows; what may wait
/// for a resumption.
@Suite struct C2SStreamManagementTests {
    @Test func anAcknowledgementIsAskedForOnceUntilAnswered() {
        var managed = C2SStreamManagement(resumeID: "id")
        var asked: [Bool] = []
        for _ in 0..<(C2SStreamManagement.requestAfter + 3) {
            managed.sent(ByteBuffer(string: "<message/>"), limit: 100)
            asked.append(managed.shouldRequest())
        }
        #expect(asked.filter { $0 }.count == 1)
        #expect(asked[C2SStreamManagement.requestAfter - 1])
        let acknowledged = managed.acknowledge(UInt32(C2SStreamManagement.requestAfter + 3))
        #expect(acknowledged != nil)
        #expect(managed.unacknowledged.isEmpty)
        for _ in 0..<C2SStreamManagement.requestAfter { managed.sent(ByteBuffer(string: "<message/>"), limit: 100) }
        let askedAgain = managed.shouldRequest()
        #expect(askedAgain)
    }

    @Test func aClientThatNeverAcknowledgesOverflowsAndAHibernatingOneSooner() {
        var live = C2SStreamManagement(resumeID: "id")
        for _ in 0..<40 { live.sent(ByteBuffer(string: "x"), limit: 10) }
        #expect(!live.overflowed)
        live.sent(ByteBuffer(string: "x"), limit: 10)
        #expect(live.overflowed && !live.waitsForResumption)

        var waiting = C2SStreamManagement(resumeID: "id")
        waiting.hibernating = true
        let askedWhileWaiting = waiting.shouldRequest()
        #expect(!askedWhileWaiting)
        for _ in 0..<11 { waiting.sent(ByteBuffer(string: "x"), limit: 10) }
        #expect(waiting.overflowed)

        var ending = C2SStreamManagement(resumeID: "id")
        ending.ending = true
        #expect(!ending.waitsForResumption)
        #expect(!C2SStreamManagement(resumeID: nil).waitsForResumption)
    }
}
