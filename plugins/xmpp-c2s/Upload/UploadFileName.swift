/// The file name of an XEP-0363 slot request, checked: it becomes the last segment of the
/// slot's URLs and the name of the stored file, so it may not name a path.
enum UploadFileName {
    /// Longest name, in UTF-8 bytes (a file name on most file systems).
    static let maximumBytes = 200

    /// Why `name` is refused, or nil when it can be used: no `/` or `\`, not `.` or `..`,
    /// no control characters, not empty, not too long.
    static func problem(_ name: String) -> String? {
        if name.isEmpty { return "the file name is empty" }
        if name.utf8.count > maximumBytes { return "the file name is longer than \(maximumBytes) bytes" }
        if name == "." || name == ".." { return "'\(name)' is not a file name" }
        if name.contains("/") || name.contains("\\") { return "the file name may not name a path" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.value == 0x7F }) {
            return "the file name has a control character"
        }
        return nil
    }

    /// `name` as one URL path segment (RFC 3986 §3.3 unreserved characters kept, the rest
    /// percent-encoded).
    static func urlSegment(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar)) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// A `type/subtype` media type made of token characters, or nil (RFC 9110 §8.3.1).
    static func mediaType(_ text: String?) -> String? {
        guard let text, text.utf8.count <= 127 else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let token = { (part: Substring) in
            !part.isEmpty && part.unicodeScalars.allSatisfy { $0.value < 0x80 && ($0.properties.isAlphabetic || ("0"..."9").contains(Character($0)) || "!#$&-^_.+".unicodeScalars.contains($0)) }
        }
        guard parts.count == 2, token(parts[0]), token(parts[1]) else { return nil }
        return text.lowercased()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
