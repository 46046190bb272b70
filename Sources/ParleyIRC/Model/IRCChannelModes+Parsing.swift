import ParleyCore

extension IRCChannelModes {
    /// One requested change, parsed from `MODE #chan +o-v+k alice bob secret`.
    public enum Change: Sendable, Equatable {
        /// i m n t s P
        case flag(Character, Bool)
        /// +k key / -k
        case key(String?)
        /// +l 10 / -l
        case limit(Int?)
        /// q a o v
        case member(mode: Character, nick: String, Bool)
        /// +b mask / -b mask
        case ban(mask: String, Bool)
        /// +b / b with no parameter
        case listBans
    }

    /// What is wrong with a mode request, as the numerics need it.
    public enum Problem: Sendable, Equatable {
        /// 472 ERR_UNKNOWNMODE
        case unknownMode(Character)
        /// 461 ERR_NEEDMOREPARAMS (or ignored, as ircds do)
        case missingParameter(Character)
        /// `+l` with something other than a positive number (696 ERR_INVALIDMODEPARAM).
        case invalidLimit(String)
        /// `+k` with a comma, space or control character, which JOIN could never send
        /// (696 ERR_INVALIDMODEPARAM).
        case invalidKey(String)
    }

    /// Parses mode letters and their parameters in order (RFC 2811 §4, with the
    /// CHANMODES groups above; at most `maximumChanges` (MODES=) parameter modes per request).
    ///
    /// Parameter modes beyond `maximumChanges` are ignored, their parameters consumed, as
    /// ircds do. A `b` without a parameter lists bans (once per request). A key with a comma,
    /// space or control character is refused; a long one is cut to `maximumKeyLength`.
    public static func parse(_ modes: String, parameters: [String]) -> (changes: [Change], problems: [Problem]) {
        var changes: [Change] = []
        var problems: [Problem] = []
        var adding = true
        var nextParameter = 0
        var parameterChanges = 0
        var listed = false

        func takeParameter() -> String? {
            guard nextParameter < parameters.count else { return nil }
            defer { nextParameter += 1 }
            return parameters[nextParameter]
        }
        /// Records a change that used a parameter, within the MODES= budget.
        func appendCounted(_ change: Change) {
            guard parameterChanges < maximumChanges else { return }
            parameterChanges += 1
            changes.append(change)
        }

        for letter in modes {
            switch letter {
            case "+": adding = true
            case "-": adding = false
            case "i", "m", "n", "t", "s", "P":
                // CHANMODES group D: never a parameter.
                changes.append(.flag(letter, adding))
            case "b":
                // Group A: a list mode; without a parameter it asks for the list (RFC 2811 §4.3).
                if let mask = takeParameter() {
                    appendCounted(.ban(mask: mask, adding))
                } else if !listed {
                    listed = true
                    changes.append(.listBans)
                }
            case "k":
                // Group B: a parameter both ways.
                let parameter = takeParameter()
                if adding {
                    guard let parameter, !parameter.isEmpty else {
                        problems.append(.missingParameter("k"))
                        continue
                    }
                    guard let key = validKey(parameter) else {
                        problems.append(.invalidKey(parameter))
                        continue
                    }
                    appendCounted(.key(key))
                } else {
                    // COMPAT: clients send a bare `-k`; ircds accept it, so do we.
                    if parameter != nil { appendCounted(.key(nil)) } else { changes.append(.key(nil)) }
                }
            case "l":
                // Group C: a parameter only when set.
                guard adding else {
                    changes.append(.limit(nil))
                    continue
                }
                guard let parameter = takeParameter() else {
                    problems.append(.missingParameter("l"))
                    continue
                }
                guard let limit = Int(parameter), limit > 0 else {
                    problems.append(.invalidLimit(parameter))
                    continue
                }
                appendCounted(.limit(limit))
            case "q", "o", "v":
                // PREFIX modes: a nickname both ways.
                guard let nick = takeParameter(), !nick.isEmpty else {
                    problems.append(.missingParameter(letter))
                    continue
                }
                appendCounted(.member(mode: letter, nick: nick, adding))
            default:
                problems.append(.unknownMode(letter))
            }
        }
        return (changes, problems)
    }

    /// A key as it can be used in `JOIN #a,#b key1,key2`, cut to `maximumKeyLength`
    /// characters; nil when it holds a comma, whitespace or a control character.
    static func validKey(_ raw: String) -> String? {
        let usable = raw.allSatisfy { character in
            character != "," && !character.isWhitespace
                && !character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        }
        return usable ? String(raw.prefix(maximumKeyLength)) : nil
    }
}
