import ParleyServerNIO
import Testing

/// `SerialInbox`: order, one item at a time, and congestion with hysteresis.
@Suite struct SerialInboxTests {
    @Test func itemsRunOneAtATimeInOrder() {
        var inbox = SerialInbox<Int>(limit: 10)
        let startsFirst = inbox.push(1)
        #expect(startsFirst)  // idle: the caller starts
        #expect(inbox.next() == 1)
        #expect(inbox.busy)
        let startsSecond = inbox.push(2)
        let startsThird = inbox.push(3)
        #expect(!startsSecond && !startsThird)  // busy: they wait
        #expect(inbox.next() == 2)
        #expect(inbox.next() == 3)
        #expect(inbox.next() == nil)
        #expect(!inbox.busy)
        let startsAgain = inbox.push(4)
        #expect(startsAgain)
    }

    /// Items pushed before the handler took the first one must not start a second handler
    /// (an async handler starts later than the push that asked for it).
    @Test func pushesBeforeTheHandlerRunsStartOnlyOne() {
        var inbox = SerialInbox<Int>(limit: 10)
        let starts = (1...3).map { inbox.push($0) }
        #expect(starts == [true, false, false])
        #expect(inbox.busy)
        #expect(inbox.next() == 1)
        #expect(inbox.next() == 2)
        #expect(inbox.next() == 3)
        #expect(inbox.next() == nil)
        #expect(!inbox.busy)
    }

    @Test func compactLeavesBusyOrWaitingInboxesAlone() {
        var inbox = SerialInbox<Int>(limit: 10)
        _ = inbox.push(1)
        inbox.compact()
        #expect(inbox.count == 1)
        #expect(inbox.next() == 1)
        #expect(inbox.next() == nil)
        inbox.compact()
        #expect(inbox.isEmpty && !inbox.busy)
        let startsAfterCompaction = inbox.push(2)
        #expect(startsAfterCompaction)
    }

    @Test func holdKeepsLaterItemsBack() {
        var inbox = SerialInbox<String>(limit: 10)
        _ = inbox.push("a")
        inbox.hold()
        let starts = inbox.push("b")
        #expect(!starts)
        #expect(inbox.first == "a")
        inbox.finished()
        #expect(!inbox.busy)
        #expect(inbox.next() == "a")
    }

    @Test func congestionStartsAtTheLimitAndEndsAtHalf() {
        var inbox = SerialInbox<Int>(limit: 4)
        _ = inbox.push(0)
        _ = inbox.next()  // busy with 0
        for item in 1...3 { _ = inbox.push(item) }
        #expect(!inbox.isCongested)
        _ = inbox.push(4)
        #expect(inbox.isCongested)
        #expect(inbox.count == 4)
        _ = inbox.next()  // 3 wait
        #expect(inbox.isCongested)
        _ = inbox.next()  // 2 wait: half the limit
        #expect(!inbox.isCongested)
    }

    @Test func removeAllEndsCongestion() {
        var inbox = SerialInbox<Int>(limit: 2)
        _ = inbox.push(1)
        _ = inbox.push(2)
        #expect(inbox.isCongested)
        inbox.removeAll()
        #expect(inbox.isEmpty && !inbox.isCongested)
    }
}
