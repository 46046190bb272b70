/// An incremental UTF-8 validator: it keeps the state of a sequence cut between chunks.
///
/// It refuses everything RFC 3629 refuses (overlong forms, surrogates, values above
/// U+10FFFF, stray continuation bytes) and NUL, which no XML document may contain.
struct UTF8Validator {
    /// Continuation bytes still expected for the current sequence.
    private var remaining: UInt8 = 0
    /// The range allowed for the next continuation byte.
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    enum Fault {
        case invalid
        case nul
    }

    /// Validates the next chunk; returns the offset of the first bad byte and why, or nil.
    mutating func validate(_ bytes: UnsafeRawBufferPointer) -> (offset: Int, fault: Fault)? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            if remaining == 0 {
                // ASCII fast path, eight bytes at a time: no high bit and no zero byte.
                while index &+ 8 <= count {
                    let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    let zero = (word &- 0x0101_0101_0101_0101) & ~word
                    if (word | zero) & 0x8080_8080_8080_8080 != 0 { break }
                    index &+= 8
                }
                guard index < count else { break }
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                if byte < 0x80 {
                    if byte == 0 { return (index, .nul) }
                    index &+= 1
                    continue
                }
                switch byte {
                case 0xC2...0xDF: remaining = 1; low = 0x80; high = 0xBF
                case 0xE0: remaining = 2; low = 0xA0; high = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: remaining = 2; low = 0x80; high = 0xBF
                case 0xED: remaining = 2; low = 0x80; high = 0x9F
                case 0xF0: remaining = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: remaining = 3; low = 0x80; high = 0xBF
                case 0xF4: remaining = 3; low = 0x80; high = 0x8F
                default: return (index, .invalid)
                }
                index &+= 1
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                guard byte >= low && byte <= high else { return (index, .invalid) }
                low = 0x80
                high = 0xBF
                remaining &-= 1
                index &+= 1
            }
        }
        return nil
    }

    /// True between sequences (no multi-byte character left open).
    var isAtBoundary: Bool { remaining == 0 }

    mutating func reset() { self = UTF8Validator() }
}
