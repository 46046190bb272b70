#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Counts `PRIVMSG ` in a byte stream without splitting it into lines: memchr to each
/// 'P', then one memcmp. A match split across two reads is carried over. This is all the
/// fan-out receivers do per delivered copy, so that the generator stays far cheaper than
/// the server it measures. It also spots `PING ` at the start of a line (RFC 2812 3.7.2)
/// so the caller can answer it.
struct PrivmsgCounter {
    private static let needle: [UInt8] = Array("PRIVMSG ".utf8)
    private static let ping: [UInt8] = Array("PING ".utf8)
    /// How many bytes of `needle` ended the previous read (0…7).
    private var carried = 0

    /// Counts the matches in `bytes`; `onPing` gets the offset just after each complete
    /// `PING ` that starts a line in `bytes`.
    mutating func count(_ bytes: UnsafeRawBufferPointer, onPing: (Int) -> Void = { _ in }) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        let n = bytes.count
        let width = Self.needle.count
        var found = 0
        var i = 0
        if carried > 0 {
            let want = width - carried
            let have = min(want, n)
            let matches = Self.needle.withUnsafeBytes { memcmp(base, $0.baseAddress! + carried, have) == 0 }
            if matches && have == want {
                found += 1
                i = want
                carried = 0
            } else if matches {
                carried += have
                return 0
            } else {
                carried = 0
            }
        }
        Self.needle.withUnsafeBytes { needle in
            let needleBase = needle.baseAddress!
            while i < n {
                guard let hit = memchr(base + i, 0x50, n - i) else { break }  // 'P'
                let at = UnsafeRawPointer(hit) - base
                let left = n - at
                if left >= width {
                    if memcmp(hit, needleBase, width) == 0 {
                        found += 1
                        i = at + width
                        continue
                    }
                    if (at == 0 || base.load(fromByteOffset: at - 1, as: UInt8.self) == 0x0A),
                        Self.ping.withUnsafeBytes({ memcmp(hit, $0.baseAddress!, $0.count) }) == 0
                    {
                        onPing(at + Self.ping.count)
                    }
                    i = at + 1
                } else {
                    if memcmp(hit, needleBase, left) == 0 { carried = left }
                    break
                }
            }
        }
        return found
    }
}
