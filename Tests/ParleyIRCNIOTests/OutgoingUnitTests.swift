import DequeModule
import ParleyIRC
import Testing

@testable import ParleyIRCNIO

/// A batch we send leaves the queue whole.
@Suite struct OutgoingUnitTests {
    func line(_ command: String, _ parameters: String...) -> IRCMessage {
        IRCMessage(command: command, parameters: parameters)
    }

    @Test func aBatchIsOneUnitOnceItsEndIsQueued() {
        var queue: Deque<IRCMessage> = [
            line("BATCH", "+b1", "draft/multiline", "#dev"), line("PRIVMSG", "#dev", "one"),
            line("PRIVMSG", "#dev", "two"),
        ]
        #expect(IRCOutgoingUnit.length(of: queue) == nil)
        queue.append(line("BATCH", "-b1"))
        queue.append(line("PONG", "irc.example.net"))
        #expect(IRCOutgoingUnit.length(of: queue) == 4)
        queue.removeFirst(4)
        #expect(IRCOutgoingUnit.length(of: queue) == 1)
        queue.removeFirst()
        #expect(IRCOutgoingUnit.length(of: queue) == nil)
    }

    @Test func anotherBatchsEndDoesNotCloseIt() {
        let queue: Deque<IRCMessage> = [
            line("BATCH", "+b1", "draft/multiline", "#dev"), line("BATCH", "-b2"), line("BATCH", "-b1"),
        ]
        #expect(IRCOutgoingUnit.length(of: queue) == 3)
    }

    @Test func aChargedBatchDelaysTheLinesAfterIt() {
        var limiter = IRCRateLimiter(.init(burst: 2, interval: 1))
        #expect(limiter.take(at: 0) == 0)
        limiter.charge(3, at: 0)  // a batch of four lines: one token, three owed
        // Tokens: 2 − 1 − 3 = −2; the next line waits until one is back (3 s).
        #expect(limiter.take(at: 0) == 3)
        #expect(limiter.take(at: 3) == 0)
    }
}
