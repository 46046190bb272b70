import ParleyCore
import Testing

/// Exponential backoff with jitter, capped by `--reconnect-max`.
@Suite struct ReconnectBackoffTests {
    @Test func transientFailuresDoubleTheStepUpToTheMaximum() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 5)
        var steps: [Double] = []
        for _ in 0..<7 {
            steps.append(backoff.step(for: .backoff))
            _ = backoff.next(after: .backoff, unit: 0.5)
        }
        #expect(steps == [0.5, 1, 2, 4, 5, 5, 5])
    }

    @Test func theJitterDrawsFromTheUpperHalfOfTheStep() {
        var low = ReconnectBackoff(initial: 1, maximum: 8)
        var high = low
        #expect(low.next(after: .backoff, unit: 0) == 0.5)
        #expect(high.next(after: .backoff, unit: 1) == 1)
        var any = ReconnectBackoff(initial: 1, maximum: 8)
        for _ in 0..<100 {
            let step = any.step(for: .backoff)
            let wait = any.next(after: .backoff)
            #expect(wait >= step / 2 && wait <= step && wait <= 8)
        }
    }

    @Test func aRefusalWaitsTheMaximumAndSuccessStartsOver() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        #expect(backoff.step(for: .longest) == 30)
        #expect(backoff.next(after: .longest, unit: 1) == 30)
        _ = backoff.next(after: .backoff, unit: 1)
        #expect(backoff.failures == 2)
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.step(for: .backoff) == 0.5)
    }

    @Test func theBoundsAreClampedAndManyFailuresDoNotOverflow() {
        var backoff = ReconnectBackoff(initial: 10, maximum: 2)
        #expect(backoff.initial == 2)
        for _ in 0..<200 { _ = backoff.next(after: .backoff, unit: 1) }
        #expect(backoff.step(for: .backoff) == 2)
        #expect(ReconnectBackoff(initial: -1, maximum: -1).maximum > 0)
    }
}
