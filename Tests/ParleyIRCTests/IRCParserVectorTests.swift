import Testing

@testable import ParleyIRC

/// The irc-parser-tests vectors: every one in each file is checked.
@Suite struct IRCParserVectorTests {
    @Test func msgSplit() throws {
        let vectors = try ParserTestVectors.load("msg-split.yaml")
        var checked = 0
        for vector in vectors {
            let input = try #require(vector["input"] as? String)
            let atoms = try #require(vector["atoms"] as? [String: Any])
            let message = try IRCMessage(parsing: input)
            // Commands are case-insensitive (RFC 1459 §2.3.1); the parser upper-cases words.
            #expect(message.command == (atoms["verb"] as? String)?.uppercased(), "\(input)")
            #expect(message.source == atoms["source"] as? String, "\(input)")
            #expect(message.parameters == (atoms["params"] as? [String] ?? []), "\(input)")
            let expectedTags = (atoms["tags"] as? [String: Any] ?? [:]).mapValues { $0 as? String ?? "" }
            let tags = Dictionary(message.tags.map { ($0.key, $0.value ?? "") }, uniquingKeysWith: { $1 })
            #expect(tags == expectedTags, "\(input)")
            #expect(message.tags.count == tags.count, "duplicate tag keys in \(input)")
            checked += 1
        }
        #expect(checked >= 35)
        #expect(checked == vectors.count)
    }

    @Test func msgJoin() throws {
        let vectors = try ParserTestVectors.load("msg-join.yaml")
        var checked = 0
        for vector in vectors {
            let atoms = try #require(vector["atoms"] as? [String: Any])
            let matches = try #require(vector["matches"] as? [String])
            let tags = (atoms["tags"] as? [String: Any] ?? [:]).map { IRCTag($0.key, $0.value as? String) }
                .sorted { $0.key < $1.key }
            let message = IRCMessage(
                tags: tags, source: atoms["source"] as? String, command: try #require(atoms["verb"] as? String),
                parameters: atoms["params"] as? [String] ?? [])
            let line = message.serialized()
            #expect(matches.contains(line), "\(line) not among \(matches)")
            // And it parses back to the same message (commands compare upper-cased).
            var reparsed = try IRCMessage(parsing: line)
            reparsed.command = message.command
            #expect(reparsed.parameters == message.parameters)
            #expect(reparsed.source == message.source)
            checked += 1
        }
        #expect(checked >= 17)
        #expect(checked == vectors.count)
    }

    @Test func userhostSplit() throws {
        let vectors = try ParserTestVectors.load("userhost-split.yaml")
        for vector in vectors {
            let source = try #require(vector["source"] as? String)
            let atoms = try #require(vector["atoms"] as? [String: Any])
            let split = IRCUserHost(parsing: source)
            #expect(split.nick == (atoms["nick"] as? String ?? ""), "\(source)")
            #expect(split.user == atoms["user"] as? String, "\(source)")
            #expect(split.host == atoms["host"] as? String, "\(source)")
        }
        #expect(vectors.count >= 9)
    }

    @Test func validateHostname() throws {
        let vectors = try ParserTestVectors.load("validate-hostname.yaml")
        for vector in vectors {
            let host = try #require(vector["host"] as? String)
            let valid = try #require(vector["valid"] as? Bool)
            #expect(IRCHostname.isValid(host) == valid, "\(host)")
        }
        #expect(vectors.count >= 13)
    }

    @Test func maskMatch() throws {
        let vectors = try ParserTestVectors.load("mask-match.yaml")
        var checked = 0
        for vector in vectors {
            let mask = IRCMask(try #require(vector["mask"] as? String))
            for subject in vector["matches"] as? [String] ?? [] {
                #expect(mask.matches(subject), "\(mask.pattern) should match \(subject)")
                checked += 1
            }
            for subject in vector["fails"] as? [String] ?? [] {
                #expect(!mask.matches(subject), "\(mask.pattern) should not match \(subject)")
                checked += 1
            }
        }
        #expect(vectors.count >= 6)
        #expect(checked >= 20)
    }
}
