/// The line syntax shared by the account and contact-list files (docs/storage.md):
///
///     # parley-<kind> <version>        ← first line, exactly
///     # any other comment
///     key = value
///     [section argument]
///
/// Keys are `[a-z0-9-]+`. Spaces and tabs around keys and values are ignored; a value's
/// own leading or trailing space, a backslash and control characters are escaped as
/// `\x20`, `\\`, `\n`, `\r`, `\t` or `\xHH`. Parsing is strict: every error names the
/// file and the line.
enum TextFormat {
    /// One meaningful line of a file.
    enum Line: Equatable {
        case pair(key: String, value: String)
        case section(String)
    }

    /// Parses `bytes`, checking the header; returns the meaningful lines with their numbers.
    static func parse(_ bytes: [UInt8], header: String, path: String) throws(StoreError) -> [(number: Int, line: Line)] {
        var result: [(number: Int, line: Line)] = []
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw .corruptFile(path: path, line: 0, reason: "empty file") }
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: number, reason: reason) }
            guard let text = Bytes.utf8String(raw) else { throw fail("not valid UTF-8") }
            if number == 1 {
                guard text == header else { throw fail("expected the header '\(header)'") }
                continue
            }
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
                throw fail("control character (escape it as \\xHH)")
            }
            let trimmed = trim(Substring(text))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count >= 2 else { throw fail("section header without ']'") }
                result.append((number, .section(String(trim(trimmed.dropFirst().dropLast())))))
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else { throw fail("expected 'key = value'") }
            let key = trim(trimmed[..<equals])
            guard !key.isEmpty, key.utf8.allSatisfy({ isKeyByte($0) }) else {
                throw fail("invalid key '\(key.prefix(40))'")
            }
            guard let value = unescape(trim(trimmed[trimmed.index(after: equals)...])) else {
                throw fail("invalid escape in the value of '\(key)'")
            }
            result.append((number, .pair(key: String(key), value: value)))
        }
        return result
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-")
    }

    static func trim(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }

    /// Escapes a value for writing; `unescape(escape(v)) == v` for every string.
    static func escape(_ value: String) -> String {
        // Most values (an archived body, an address) need nothing: one pass over the bytes.
        if !needsEscaping(value) { return value }
        var out = ""
        let scalars = Array(value.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case " " where index == 0 || index == scalars.count - 1: out += "\\x20"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.generalCategory == .control {
                    if scalar.value <= 0xFF {
                        out += "\\x" + Bytes.hex([UInt8(scalar.value)])
                    } else {
                        out += "\\u{" + String(scalar.value, radix: 16) + "}"
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Whether `escape` changes `value`: a backslash, a control character (C0, DEL, C1:
    /// U+0080–U+009F, whose UTF-8 is 0xC2 0x80…0x9F) or a space at either end.
    static func needsEscaping(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard let first = bytes.first, let last = bytes.last else { return false }
            if first == 0x20 || last == 0x20 { return true }
            var previous: UInt8 = 0
            for byte in bytes {
                if byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") || (previous == 0xC2 && (0x80...0x9F).contains(byte)) {
                    return true
                }
                previous = byte
            }
            return false
        }
    }

    /// Undoes `escape`; nil for an unknown or truncated escape.
    static func unescape(_ text: Substring) -> String? {
        guard text.contains("\\") else { return String(text) }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            switch scalars.popFirst() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "x":
                let digits = String(String.UnicodeScalarView(scalars.prefix(2)))
                scalars = scalars.dropFirst(2)
                guard digits.count == 2, let value = UInt8(digits, radix: 16) else { return nil }
                out.append(Unicode.Scalar(value))
            case "u":
                guard scalars.popFirst() == "{", let close = scalars.firstIndex(of: "}") else { return nil }
                let digits = String(String.UnicodeScalarView(scalars[..<close]))
                scalars = scalars[scalars.index(after: close)...]
                guard (1...6).contains(digits.count), let value = UInt32(digits, radix: 16),
                    let decoded = Unicode.Scalar(value)
                else { return nil }
                out.append(decoded)
            default:
                return nil
            }
        }
        return String(out)
    }

    /// `yes` / `no`.
    static func boolean(_ value: String) -> Bool? {
        switch value {
        case "yes": true
        case "no": false
        default: nil
        }
    }
}
