/// Maps libxml2's interned name pointers to Swift strings.
///
/// libxml2 interns every element and attribute name, prefix and namespace URI in the
/// parser context's dictionary (`ctxt->dict`), and its entries are never freed while the
/// dictionary lives, so one pointer always means the same bytes. A small direct-mapped
/// table keyed by the pointer turns the usual `message`, `body`, `jabber:client` into a
/// hash and a compare instead of a `strlen`, a UTF-8 check and (for names over 15 bytes)
/// an allocation. It must be cleared whenever the dictionary could change.
struct NameCache {
    private static let size = 64
    private var keys: [UnsafeRawPointer?]
    private var values: [String]

    init() {
        keys = Array(repeating: nil, count: NameCache.size)
        values = Array(repeating: "", count: NameCache.size)
    }

    /// Frees the table (a hibernating parser); `lookup` then misses until `init`.
    mutating func release() {
        keys = []
        values = []
    }

    @inline(__always)
    private static func slot(_ pointer: UnsafeRawPointer) -> Int {
        Int(truncatingIfNeeded: (UInt(bitPattern: pointer) &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    @inline(__always)
    func lookup(_ pointer: UnsafeRawPointer) -> String? {
        guard !keys.isEmpty else { return nil }
        let slot = NameCache.slot(pointer)
        return keys[slot] == pointer ? values[slot] : nil
    }

    mutating func insert(_ pointer: UnsafeRawPointer, _ value: String) {
        guard !keys.isEmpty else { return }
        let slot = NameCache.slot(pointer)
        keys[slot] = pointer
        values[slot] = value
    }

    mutating func removeAll() {
        for index in keys.indices { keys[index] = nil }
        for index in values.indices { values[index] = "" }
    }
}
