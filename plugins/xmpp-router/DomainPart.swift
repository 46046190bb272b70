/// The domainpart of a JID string, found without a full parse, for the two checks every
/// component stanza needs on the fast path: is `from` on the component's domain, and
/// which domain does `to` name (RFC 7622 §3.1: the first `/` starts the resource, the last
/// `@` before it ends the localpart).
///
/// Only the plain case is answered: a domainpart of lowercase ASCII letters, digits, `-`,
/// `.` and `_`, without a trailing dot, is already what `JID` normalizes to. Anything else
/// (upper case, non-ASCII, a trailing dot, an empty part) returns nil, and the caller
/// falls back to `JID`'s full parse.
enum DomainPart {
    static func of(_ jid: String) -> Substring? {
        // Native strings are contiguous UTF-8: scan the bytes without index arithmetic.
        let bounds = jid.utf8.withContiguousStorageIfAvailable(range(in:)) ?? Array(jid.utf8).withUnsafeBufferPointer(range(in:))
        guard let (start, end) = bounds else { return nil }
        let utf8 = jid.utf8
        return jid[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)]
    }

    /// The byte offsets of the domainpart in `bytes`, when it is a plain one.
    private static func range(in bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        var start = 0
        var end = bytes.count
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") {
                end = index
                break
            }
            if byte == UInt8(ascii: "@") { start = index + 1 }
        }
        guard start < end, end - start <= 1023 else { return nil }
        for index in start..<end {
            switch bytes[index] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"):
                continue
            default:
                return nil
            }
        }
        guard bytes[end - 1] != UInt8(ascii: ".") else { return nil }
        return (start, end)
    }
}
