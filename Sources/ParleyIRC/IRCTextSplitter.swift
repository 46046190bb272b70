/// Cuts text from another protocol into pieces that each fit one IRC line: at every CR, LF
/// and NUL (RFC 1459 §2.3: none may appear inside a message), then at a byte budget (the
/// 512-byte line less what the command, source and target take), between words where a
/// space falls in the last quarter of the budget, never inside a UTF-8 sequence or a
/// grapheme cluster unless the cluster alone is larger than the budget.
public enum IRCTextSplitter {
    /// The pieces of `text`, each at most `budget` bytes of UTF-8 and free of CR, LF and
    /// NUL. Empty lines are left out; text that is nothing but line breaks gives one empty
    /// piece, so that a message is never lost without a trace. `keepingSpaces`: a space
    /// where a line is cut stays at the end of the piece (IRCv3 multiline "Splitting long
    /// lines": pieces joined again with `draft/multiline-concat` keep their words apart).
    public static func pieces(of text: String, budget: Int, keepingSpaces: Bool = false) -> [String] {
        let budget = max(budget, 4)
        if text.utf8.count <= budget, !text.utf8.contains(where: isBreak) { return [text] }
        var pieces: [String] = []
        for line in text.utf8.split(whereSeparator: isBreak) {
            guard let line = String(line) else { continue }
            split(line, budget: budget, keepingSpaces: keepingSpaces, into: &pieces)
        }
        return pieces.isEmpty ? [""] : pieces
    }

    /// The bytes that end an IRC line or may not appear in one.
    @inline(__always)
    public static func isBreak(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A || byte == 0x00 }

    private static func split(_ line: String, budget: Int, keepingSpaces: Bool, into pieces: inout [String]) {
        var rest = Substring(line)
        while rest.utf8.count > budget {
            let cut = cutIndex(in: rest, budget: budget)
            let piece = rest[..<cut]
            pieces.append(String(piece.last == " " && !keepingSpaces ? piece.dropLast() : piece))
            rest = rest[cut...]
        }
        if !rest.isEmpty { pieces.append(String(rest)) }
    }

    /// Where to cut `text` so that the part before is at most `budget` bytes: after the
    /// last space in the last quarter of the budget, else at the last grapheme boundary,
    /// else (one grapheme larger than the budget) at the last scalar boundary.
    private static func cutIndex(in text: Substring, budget: Int) -> String.Index {
        var bytes = 0
        var lastFit = text.startIndex
        var lastSpace: String.Index? = nil
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            let size = text.utf8.distance(from: index, to: next)
            guard bytes + size <= budget else { break }
            bytes += size
            if text[index] == " " && bytes * 4 >= budget * 3 { lastSpace = next }
            lastFit = next
            index = next
        }
        if let lastSpace { return lastSpace }
        if lastFit > text.startIndex { return lastFit }
        // One grapheme cluster longer than the budget: cut between scalars.
        var scalarBytes = 0
        var scalarIndex = text.unicodeScalars.startIndex
        while scalarIndex < text.unicodeScalars.endIndex {
            let size = text.unicodeScalars[scalarIndex].utf8.count
            guard scalarBytes + size <= budget else { break }
            scalarBytes += size
            scalarIndex = text.unicodeScalars.index(after: scalarIndex)
        }
        return scalarIndex
    }
}
