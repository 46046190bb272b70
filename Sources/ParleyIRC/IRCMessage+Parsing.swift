extension IRCMessage {
    /// Parses one line, without its CR LF. Parameters are separated by one or more spaces
    /// (RFC 1459 §2.3.1, as the irc-parser-tests vectors read it); a parameter starting with
    /// `:` is the trailing one and keeps its spaces.
    ///
    /// The scan runs over UTF-8 bytes, never over `Character`s: a space followed by a
    /// combining mark is still a separator, and no grapheme breaking is paid for.
    ///
    /// `maximumTagBytes` bounds the tag section with its `@` and space: 8191 for what a
    /// server sends, `IRCLimits.maximumClientTagBytes` for what a server reads from a client.
    public init(parsing line: some StringProtocol, maximumTagBytes: Int = IRCLimits.maximumTagBytes)
        throws(IRCParseError)
    {
        let text = Substring(line)
        let bytes = text.utf8
        let space = UInt8(ascii: " ")
        if bytes.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) { throw .forbiddenCharacter }
        var index = bytes.startIndex
        let end = bytes.endIndex

        func skipSpaces() {
            while index < end, bytes[index] == space { bytes.formIndex(after: &index) }
        }
        func nextSpace(from start: String.Index) -> String.Index {
            var cursor = start
            while cursor < end, bytes[cursor] != space { bytes.formIndex(after: &cursor) }
            return cursor
        }

        // IRCv3 message-tags: `@` tag list, ended by one space.
        var tags: [IRCTag] = []
        if index < end, bytes[index] == UInt8(ascii: "@") {
            let tagsEnd = nextSpace(from: index)
            // The limit counts the `@` and the space after the tags.
            if bytes.distance(from: index, to: tagsEnd) + 1 > maximumTagBytes { throw .tagsTooLong }
            tags = try Self.parseTags(text[bytes.index(after: index)..<tagsEnd])
            index = tagsEnd
        }
        skipSpaces()
        if bytes.distance(from: index, to: end) > IRCLimits.maximumBodyBytes { throw .bodyTooLong }

        var source: String?
        if index < end, bytes[index] == UInt8(ascii: ":") {
            let sourceEnd = nextSpace(from: index)
            source = String(text[bytes.index(after: index)..<sourceEnd])
            index = sourceEnd
            skipSpaces()
        }
        guard index < end else { throw tags.isEmpty && source == nil ? .empty : .missingCommand }

        let commandEnd = nextSpace(from: index)
        let command = bytes[index..<commandEnd]
        let isWord = command.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        let isNumeric = command.count == 3 && command.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        guard isWord || isNumeric else { throw .invalidCommand }
        index = commandEnd

        var parameters: [String] = []
        while true {
            skipSpaces()
            if index == end { break }
            if parameters.count == IRCLimits.maximumParameters { throw .tooManyParameters }
            if bytes[index] == UInt8(ascii: ":") {
                parameters.append(String(text[bytes.index(after: index)..<end]))
                break
            }
            let parameterEnd = nextSpace(from: index)
            parameters.append(String(text[index..<parameterEnd]))
            index = parameterEnd
        }
        self.init(tags: tags, source: source, command: Self.commandString(command, upperCasing: isWord), parameters: parameters)
    }

    /// The command as a String; words are upper-cased (commands are case-insensitive,
    /// RFC 1459 §2.3.1), with no allocation beyond the String itself.
    private static func commandString(_ bytes: Substring.UTF8View, upperCasing: Bool) -> String {
        guard upperCasing, bytes.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) else { return String(Substring(bytes)) }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            for byte in bytes {
                buffer[count] = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
                count += 1
            }
            return count
        }
    }

    private static func parseTags(_ text: Substring) throws(IRCParseError) -> [IRCTag] {
        var tags: [IRCTag] = []
        for item in text.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            let key: Substring.UTF8View.SubSequence
            var value: String?
            if let equals = item.firstIndex(of: UInt8(ascii: "=")) {
                key = item[..<equals]
                let wire = Substring(item[item.index(after: equals)...])
                value = wire.isEmpty ? nil : IRCTagEscaping.unescape(wire)
            } else {
                key = item
            }
            guard Self.isValidTagKey(Substring(key)) else { throw .invalidTag }
            let tag = IRCTag(String(Substring(key)), value)
            // IRCv3 message-tags: when a key repeats, the last value wins.
            if let index = tags.firstIndex(where: { $0.key == tag.key }) {
                tags[index] = tag
            } else {
                tags.append(tag)
            }
        }
        return tags
    }

    /// IRCv3 message-tags key grammar: `[+][vendor/]name`, name of letters, digits and `-`
    /// (the vendor part, a host name, adds `.`).
    static func isValidTagKey(_ key: Substring) -> Bool {
        var name = key.utf8[...]
        if name.first == UInt8(ascii: "+") { name = name.dropFirst() }
        guard !name.isEmpty else { return false }
        return name.allSatisfy { byte in
            (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                || byte == 0x2E || byte == 0x2F
        }
    }
}
