#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Gives memory that idle connections released (hibernating parsers, the garbage of a
/// registration burst) back to the operating system. One per process, owned and run by the
/// launcher (`PluginContext.memory`); every listener's registry notes its releases. glibc
/// keeps freed small blocks in its heaps; `malloc_trim` returns
/// the pages that became entirely free. It runs off the event loops, at most once per
/// interval, and only after something was released.
public final class MemoryReturn: Sendable {
    private let released = Atomic<Int>(0)

    /// glibc's `malloc_trim`, looked up at run time (absent on other C libraries).
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    public init() {}

    /// Something was released; the next interval trims.
    public func noteRelease() {
        released.add(1, ordering: .relaxed)
    }

    /// Runs until cancelled: every `interval`, trims if anything was released since.
    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard released.exchange(0, ordering: .relaxed) > 0 else { continue }
            _ = Self.trim?(0)
        }
    }
}
