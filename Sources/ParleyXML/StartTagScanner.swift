#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the attributes of each start tag in the raw bytes, before libxml2 reads them.
///
/// libxml2 reports an element only once its whole start tag is parsed, and it checks for
/// duplicate attributes pairwise on the way: a 256 KiB tag of 26,000 one-letter
/// attributes costs it about a third of a second before `XMLLimits.maxAttributes` could
/// refuse it. This lexer stops such a tag at its first attribute over the limit: every
/// attribute and namespace declaration has exactly one `=` outside quotes. It follows
/// quotes and CDATA sections (whose text may hold `'`, `=` and `>`); comments and DTDs,
/// which libxml2 refuses anyway, are scanned like tags. State carries across chunks.
struct StartTagScanner {
    private enum State: UInt8 {
        case content, afterLessThan, afterBang, tag, singleQuoted, doubleQuoted, cdata
    }

    private var state = State.content

    /// Between markup: not inside a tag, comment or CDATA section.
    var isInContent: Bool { state == .content }
    /// `=` outside quotes in the current tag.
    private var equals = 0
    /// Consecutive `]` just seen inside a CDATA section.
    private var brackets = 0

    /// Scans the next bytes; returns the offset of the `=` that takes a tag over
    /// `maxAttributes`, or nil.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, maxAttributes: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            switch state {
            case .content:
                guard let found = memchr(base + index, 0x3C, count &- index) else { return nil }  // <
                index = base.distance(to: UnsafeRawPointer(found)) &+ 1
                state = .afterLessThan
            case .afterLessThan:
                if base.load(fromByteOffset: index, as: UInt8.self) == 0x21 {  // <!
                    state = .afterBang
                    index &+= 1
                } else {
                    state = .tag
                    equals = 0
                }
            case .afterBang:
                if base.load(fromByteOffset: index, as: UInt8.self) == 0x5B {  // <![ : CDATA
                    state = .cdata
                    brackets = 0
                    index &+= 1
                } else {
                    state = .tag
                    equals = 0
                }
            case .tag:
                scanTag: while index < count {
                    let byte = base.load(fromByteOffset: index, as: UInt8.self)
                    index &+= 1
                    switch byte {
                    case 0x3E:  // >
                        state = .content
                        break scanTag
                    case 0x27:  // '
                        state = .singleQuoted
                        break scanTag
                    case 0x22:  // "
                        state = .doubleQuoted
                        break scanTag
                    case 0x3D:  // =
                        equals &+= 1
                        if equals > maxAttributes { return index &- 1 }
                    default:
                        continue
                    }
                }
            case .singleQuoted, .doubleQuoted:
                let quote: Int32 = state == .singleQuoted ? 0x27 : 0x22
                guard let found = memchr(base + index, quote, count &- index) else { return nil }
                index = base.distance(to: UnsafeRawPointer(found)) &+ 1
                state = .tag
            case .cdata:
                scanCDATA: while index < count {
                    let byte = base.load(fromByteOffset: index, as: UInt8.self)
                    index &+= 1
                    if byte == 0x5D {  // ]
                        brackets &+= 1
                    } else if byte == 0x3E && brackets >= 2 {  // ]]>
                        state = .content
                        break scanCDATA
                    } else {
                        brackets = 0
                    }
                }
            }
        }
        return nil
    }

    mutating func reset() { self = StartTagScanner() }
}
