import ParleyCred
import ParleyIRC

/// The connection-registration state of one client (modern.ircdocs.horse "Connection
/// Registration", IRCv3 capability negotiation and SASL 3.1/3.2) as a value type: each
/// command goes in, the actions the connection must perform come out. It never touches the
/// network, the nick table or the portal, so every path is unit tested.
struct IRCRegistration: Sendable {
    /// What the connection must do.
    enum Action: Sendable, Equatable {
        /// A reply from the server, addressed to the client's nick (`*` before it has one):
        /// a numeric or `CAP`.
        case reply(String, [String])
        /// `AUTHENTICATE +`: the server waits for the SASL response.
        case challenge
        /// Check these credentials with the portal, then call `authenticated` or `authenticationFailed`.
        case authenticate(UsernamePassword)
        /// The negotiated capabilities changed.
        case capabilitiesChanged(IRCCapabilities)
        /// NICK and USER are known and negotiation is over: complete the registration.
        case register
        /// Send `ERROR :<text>` and close.
        case close(String)
    }

    enum SASL: Sendable, Equatable {
        case idle
        /// `AUTHENTICATE PLAIN` accepted; base64 collected so far.
        case receiving(String)
        /// The credentials are with the portal.
        case checking
    }

    /// What only registration needs, dropped once it completes (`completed()`): a
    /// registered client keeps a few words here instead of all of it (memory per idle
    /// client is a target, docs/benchmarks-irc.md).
    private struct Pending {
        var user: String?
        var realname: String?
        var password: String?
        var negotiating = false
        var sasl = SASL.idle
        var authFailures = 0
    }
    /// Boxed so that `IRCRegistration` stays small; copied on write like any value.
    private final class PendingBox: @unchecked Sendable {
        var value: Pending
        init(_ value: Pending) { self.value = value }
    }
    private var box: PendingBox?

    private var pending: Pending {
        get { box?.value ?? Pending() }
        set {
            if isKnownUniquelyReferenced(&box) {
                box!.value = newValue
            } else {
                box = PendingBox(newValue)
            }
        }
    }

    /// The accepted nick.
    var nick: String?
    var user: String? {
        get { pending.user }
        set { pending.user = newValue }
    }
    var realname: String? {
        get { pending.realname }
        set { pending.realname = newValue }
    }
    /// The PASS argument, checked when registration completes unless SASL logged in.
    var password: String? {
        get { pending.password }
        set { pending.password = newValue }
    }
    /// Between `CAP LS`/`CAP REQ` and `CAP END` registration waits.
    var negotiating: Bool {
        get { pending.negotiating }
        set { pending.negotiating = newValue }
    }
    var capVersion = 0
    var capabilities: IRCCapabilities = []
    var sasl: SASL {
        get { pending.sasl }
        set { pending.sasl = newValue }
    }
    /// The account a SASL or PASS login proved.
    var account: String?
    var authFailures: Int {
        get { pending.authFailures }
        set { pending.authFailures = newValue }
    }
    var registered = false
    /// Failed authentications before the connection is closed.
    var maxAuthFailures = 3

    /// Registration is complete: what only it needed (user, realname, PASS, SASL state) is
    /// let go.
    mutating func completed() {
        registered = true
        box = nil
    }

    /// SASL 3.1: responses come in chunks of at most 400 base64 bytes.
    static let chunkLength = 400
    /// A PLAIN message is at most `SASLPlain.maximumMessageBytes`: base64 needs 4/3 of that.
    static let maximumResponseLength = (SASLPlain.maximumMessageBytes + 2) / 3 * 4

    /// Whether NICK, USER and negotiation are done.
    var isReady: Bool {
        !registered && nick != nil && user != nil && !negotiating && sasl == .idle
    }

    private var readyActions: [Action] { isReady ? [.register] : [] }

    // MARK: PASS, NICK, USER

    /// RFC 2812 §3.1.1 PASS.
    mutating func pass(_ parameters: [String]) -> [Action] {
        guard !registered else { return [.reply(IRCNumeric.alreadyRegistered, ["You may not reregister"])] }
        guard let password = parameters.first, !password.isEmpty else {
            return [.reply(IRCNumeric.needMoreParams, ["PASS", "Not enough parameters"])]
        }
        self.password = password
        return []
    }

    /// The connection validated and reserved `nick` (RFC 2812 §3.1.2).
    mutating func nickAccepted(_ nick: String) -> [Action] {
        self.nick = nick
        return readyActions
    }

    /// The nick was taken from the client (reserved by an account at registration).
    mutating func nickRefused() {
        nick = nil
    }

    /// RFC 2812 §3.1.3 USER `<user> <mode> <unused> :<realname>`.
    mutating func user(_ parameters: [String]) -> [Action] {
        guard !registered else { return [.reply(IRCNumeric.alreadyRegistered, ["You may not reregister"])] }
        guard parameters.count >= 4, !parameters[0].isEmpty else {
            return [.reply(IRCNumeric.needMoreParams, ["USER", "Not enough parameters"])]
        }
        user = parameters[0]
        realname = String(parameters[3].prefix(IRCServerInfo.realnameLength))
        return readyActions
    }

    // MARK: CAP (IRCv3 capability negotiation)

    /// `CAP LS|LIST|REQ|END`; `offered` are the `CAP LS` tokens for this connection.
    mutating func cap(_ parameters: [String], offered: IRCCapabilities, saslMechanisms: [String]) -> [Action] {
        guard let subcommand = parameters.first?.uppercased() else {
            return [.reply(IRCNumeric.needMoreParams, ["CAP", "Not enough parameters"])]
        }
        switch subcommand {
        case "LS":
            if !registered { negotiating = true }
            let version = parameters.count > 1 ? Int(parameters[1]) ?? 0 : 0
            capVersion = max(capVersion, version)
            var actions: [Action] = []
            // capability-negotiation "cap-notify": implied for clients that sent LS 302.
            if capVersion >= 302, !capabilities.contains(.capNotify) {
                capabilities.insert(.capNotify)
                actions.append(.capabilitiesChanged(capabilities))
            }
            let tokens = IRCCapabilities.listing(version: capVersion, saslMechanisms: saslMechanisms)
                .filter { token in offered.contains(IRCCapabilities(name: token.split(separator: "=")[0]) ?? []) }
            actions.insert(.reply("CAP", ["LS", tokens.joined(separator: " ")]), at: 0)
            return actions
        case "LIST":
            return [.reply("CAP", ["LIST", capabilities.names.joined(separator: " ")])]
        case "REQ":
            if !registered { negotiating = true }
            let requested = parameters.count > 1 ? parameters[1] : ""
            var next = capabilities
            // Atomic: one unknown or unavailable name refuses the whole request.
            for token in requested.split(separator: " ") {
                let removing = token.first == "-"
                let name = removing ? token.dropFirst() : token[...]
                guard let capability = IRCCapabilities(name: name), offered.contains(capability) else {
                    return [.reply("CAP", ["NAK", requested])]
                }
                if removing { next.remove(capability) } else { next.insert(capability) }
            }
            guard !requested.split(separator: " ").isEmpty else { return [.reply("CAP", ["NAK", requested])] }
            capabilities = next
            return [.reply("CAP", ["ACK", requested]), .capabilitiesChanged(next)]
        case "END":
            guard !registered, negotiating else { return [] }
            negotiating = false
            var actions: [Action] = []
            if case .receiving = sasl {
                // SASL 3.1: completing registration aborts an unfinished exchange.
                sasl = .idle
                actions.append(.reply(IRCNumeric.saslAborted, ["SASL authentication aborted"]))
            }
            return actions + readyActions
        default:
            return [.reply("410", [parameters[0], "Invalid CAP command"])]
        }
    }

    // MARK: AUTHENTICATE (IRCv3 SASL 3.1)

    /// One `AUTHENTICATE` line; `mechanisms` are those usable on this connection.
    mutating func authenticate(_ parameters: [String], mechanisms: [String]) -> [Action] {
        guard let argument = parameters.first, !argument.isEmpty else {
            return [.reply(IRCNumeric.needMoreParams, ["AUTHENTICATE", "Not enough parameters"])]
        }
        if account != nil || registered {
            return [.reply(IRCNumeric.saslAlready, ["You have already authenticated using SASL"])]
        }
        switch sasl {
        case .checking:
            return []
        case .idle:
            if argument == "*" { return [.reply(IRCNumeric.saslAborted, ["SASL authentication aborted"])] }
            guard mechanisms.contains(argument.uppercased()) else {
                var actions: [Action] = []
                if !mechanisms.isEmpty {
                    actions.append(.reply(IRCNumeric.saslMechanisms, [mechanisms.joined(separator: ","), "are available SASL mechanisms"]))
                }
                return actions + failure()
            }
            sasl = .receiving("")
            return [.challenge]
        case .receiving(let collected):
            if argument == "*" {
                sasl = .idle
                return [.reply(IRCNumeric.saslAborted, ["SASL authentication aborted"])]
            }
            guard argument.utf8.count <= Self.chunkLength,
                collected.utf8.count + argument.utf8.count <= Self.maximumResponseLength
            else {
                sasl = .idle
                return [.reply(IRCNumeric.saslTooLong, ["SASL message too long"])]
            }
            let all = argument == "+" ? collected : collected + argument
            if argument.utf8.count == Self.chunkLength {
                sasl = .receiving(all)
                return []
            }
            guard let bytes = SASLEncoding.decodeBase64(all),
                let plain = try? SASLPlain(parsing: bytes),
                let credentials = try? plain.credentials()
            else {
                sasl = .idle
                return failure()
            }
            sasl = .checking
            return [.authenticate(credentials)]
        }
    }

    /// The portal accepted the SASL credentials for `account` (the 900 line is the
    /// connection's, it knows the hostmask).
    mutating func authenticated(account: String) -> [Action] {
        sasl = .idle
        self.account = account
        return [.reply(IRCNumeric.saslSuccess, ["SASL authentication successful"])] + readyActions
    }

    /// The portal refused the SASL credentials; `temporary` when the store could not
    /// answer (an LDAP outage): the client is told so, and it does not count as a guess.
    mutating func authenticationFailed(temporary: Bool = false) -> [Action] {
        sasl = .idle
        guard !temporary else {
            let text = "SASL authentication failed: the account store cannot be reached, try again later"
            return [.reply(IRCNumeric.saslFail, [text])] + readyActions
        }
        return failure() + readyActions
    }

    private mutating func failure() -> [Action] {
        authFailures += 1
        var actions: [Action] = [.reply(IRCNumeric.saslFail, ["SASL authentication failed"])]
        if authFailures >= maxAuthFailures { actions.append(.close("Too many failed authentication attempts")) }
        return actions
    }

    /// The credentials of a `PASS` given before registration (`account:password`, or a
    /// password for the account named like the nick), when SASL did not log in.
    var passCredentials: UsernamePassword? {
        guard account == nil, let password, let nick else { return nil }
        if let colon = password.firstIndex(of: ":") {
            let name = password[..<colon]
            if !name.isEmpty {
                return UsernamePassword(username: String(name), password: String(password[password.index(after: colon)...]))
            }
        }
        return UsernamePassword(username: nick, password: password)
    }
}
