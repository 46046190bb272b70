import ParleyIRC

/// biboumi's "raw IRC messages": the body of a message to a network's JID
/// (`irc.example.net@irc.<domain>`) is sent to that network as IRC lines, one per line of
/// the body (`WHOIS alice`, `PRIVMSG NickServ :identify …`). Checked first, so that nothing
/// but whole, well-formed commands reaches the network: a body cannot smuggle a line break
/// into a line, and the commands that belong to the gateway's own handling of the
/// connection are refused. Pure.
enum GatewayRawCommands {
    /// The most lines one message may carry.
    static let maximumLines = 20
    /// RFC 2812 §2.3: 512 bytes with CR LF.
    static let maximumLineBytes = 510
    /// Commands the gateway keeps to itself: registration, capabilities and batches are its
    /// client's, and leaving goes through the rooms (or `disconnect-from-irc-servers`).
    static let refused: Set<String> = ["CAP", "PASS", "USER", "QUIT", "BATCH", "AUTHENTICATE"]

    /// Why a body cannot be sent, for the not-acceptable error.
    struct Refusal: Error, Equatable {
        let text: String
    }

    /// The lines of `body`, or why they cannot be sent.
    static func lines(of body: String) -> Result<[IRCMessage], Refusal> {
        let texts = body.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard !texts.isEmpty else { return .failure(Refusal(text: "no IRC command in the message")) }
        guard texts.count <= maximumLines else { return .failure(Refusal(text: "at most \(maximumLines) IRC commands in one message")) }
        var lines: [IRCMessage] = []
        for text in texts {
            guard text.utf8.count <= maximumLineBytes else {
                return .failure(Refusal(text: "an IRC command is at most \(maximumLineBytes) bytes"))
            }
            guard let parsed = try? IRCMessage(parsing: text) else {
                return .failure(Refusal(text: "not an IRC command: \(text.prefix(60))"))
            }
            let command = parsed.command.uppercased()
            guard !refused.contains(command) else {
                return .failure(Refusal(text: "\(command) is the gateway's to send: leave the rooms, or use the disconnect-from-irc-servers command"))
            }
            // A client sends no source (RFC 2812 §2.3.1: the server would ignore it anyway).
            lines.append(IRCMessage(tags: parsed.tags, command: command, parameters: parsed.parameters))
        }
        return .success(lines)
    }
}
