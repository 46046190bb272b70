import ParleyIRC
import ParleyIRCNIO
import Testing

/// Losing the connection, rejoining, stopping; and the outgoing rate limiter.
@Suite struct ClientReconnectTests {
    @Test func aLostConnectionSchedulesABackoffAndRejoins() {
        var state = IRCClientState(
            configuration: IRCClientConfiguration(
                host: "h", nick: "me", capabilities: [], reconnectInitial: 2, reconnectMaximum: 60))
        _ = state.connected()
        _ = state.feed(":srv 001 me :hi")
        #expect(state.join("#test", key: nil).sentLines == ["JOIN #test"])
        _ = state.feed(":me!u@h JOIN #test")
        let lost = state.disconnected(reason: "EOF", jitter: 1)
        #expect(lost == [.event(.disconnected(reason: "EOF")), .event(.reconnecting(after: 2)), .scheduleReconnect(after: 2)])
        #expect(state.joinedChannels.isEmpty && !state.isRegistered)
        // A failed attempt doubles the wait.
        #expect(state.disconnected(reason: "refused", jitter: 1).last == .scheduleReconnect(after: 4))
        _ = state.connected()
        #expect(state.feed(":srv 001 me :hi again").sentLines == ["JOIN #test"])
        // Registration resets the backoff.
        #expect(state.disconnected(reason: "EOF", jitter: 0).last == .scheduleReconnect(after: 1))
    }

    @Test func stopQuitsAndNeverReconnects() {
        var state = registeredState()
        #expect(state.stop(message: "bye") == [.sendNow(IRCMessage(command: "QUIT", parameters: ["bye"])), .close])
        #expect(state.disconnected(reason: "closed") == [.event(.disconnected(reason: "closed"))])
        #expect(state.connected() == [.close])
    }

    @Test func messagesAndServerErrorsBecomeEvents() {
        var state = registeredState()
        let message = try! IRCMessage(parsing: "@time=2024-01-01T00:00:00.000Z :bob!b@h PRIVMSG #a :hello")
        #expect(state.receive(message).events == [.message(message)])
        #expect(state.feed("ERROR :Closing link").events == [.serverError("Closing link")])
    }

    @Test func tokenBucketAllowsABurstThenOneLinePerInterval() {
        var limiter = IRCRateLimiter(.init(burst: 3, interval: 2))
        #expect((0..<3).map { _ in limiter.take(at: 100) } == [0, 0, 0])
        #expect(limiter.take(at: 100) == 2)
        #expect(limiter.take(at: 101) == 1)
        #expect(limiter.take(at: 102) == 0)
        #expect(limiter.take(at: 102) == 2)
        // A long pause refills up to the burst, not beyond.
        #expect(limiter.available(at: 1000) == 3)
        #expect((0..<4).map { _ in limiter.take(at: 1000) } == [0, 0, 0, 2])
    }

    @Test func aZeroIntervalMeansNoLimit() {
        var limiter = IRCRateLimiter(.init(burst: 1, interval: 0))
        #expect((0..<10).allSatisfy { _ in limiter.take(at: 5) == 0 })
    }
}
