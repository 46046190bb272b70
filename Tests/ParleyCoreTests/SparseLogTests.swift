import ParleyCore
import Testing

@Suite struct SparseLogTests {
    @Test func theFirstAndEveryPowerOfTenAreLogged() {
        #expect((0...1_001).filter(SparseLog.isLogged) == [1, 10, 100, 1_000])
    }
}
