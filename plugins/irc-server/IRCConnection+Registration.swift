import Foundation
import ParleyCore
import ParleyCred
import ParleyIRC

extension IRCConnection {
    /// A nick an IRC client may hold (`IRCNickname.isValid`: RFC 2812 §2.3.1, at most
    /// NICKLEN, no leading backquote, which marks nicks from other protocols) that is also a
    /// valid model nickname.
    static func isValidNick(_ nick: String, maximumLength: Int) -> Bool {
        IRCNickname.isValid(nick, maximumLength: maximumLength) && Nickname(nick) != nil
    }

    /// NICK before or after registration (RFC 2812 §3.1.2).
    func nickCommand(_ parameters: [String]) -> Job? {
        guard let requested = parameters.first, !requested.isEmpty else {
            numeric(IRCNumeric.noNicknameGiven, ["No nickname given"])
            return nil
        }
        guard Self.isValidNick(requested, maximumLength: shared.settings.nickLength) else {
            let why =
                requested.unicodeScalars.first == IRCNickname.foreignMarker
                ? "Nicks starting with ` stand for users of other protocols" : "Erroneous nickname"
            numeric(IRCNumeric.erroneousNickname, [requested, why])
            return nil
        }
        if isRegistered { return requested == nick ? nil : .changeNick(requested) }
        guard shared.nicks.claim(requested, for: self, replacing: registration.nick) else {
            numeric(IRCNumeric.nicknameInUse, [requested, "Nickname is already in use"])
            return nil
        }
        return perform(registration.nickAccepted(requested))
    }

    /// The portal's answer to a SASL PLAIN response.
    func authenticate(_ credentials: UsernamePassword) async {
        do {
            let login = try await shared.portal.login(credentials)
            guard !closed else {
                await login.logout()
                return
            }
            self.login = login
            let account = login.avatar.user.localpart
            // IRCv3 SASL 3.1: RPL_LOGGEDIN then RPL_SASLSUCCESS.
            sendLoggedIn(account: account)
            if let job = perform(registration.authenticated(account: account)) { await run(registrationJob: job) }
        } catch {
            log(.notice, "SASL login refused", ["user": "\(credentials.username)", "error": "\(error)"])
            let temporary = error.condition == .temporaryAuthFailure
            if let job = perform(registration.authenticationFailed(temporary: temporary)) { await run(registrationJob: job) }
        }
    }

    private func run(registrationJob job: Job) async {
        if case .register = job { await completeRegistration() }
    }

    /// 900 RPL_LOGGEDIN `<nick> <nick>!<user>@<host> <account> :You are now logged in as <account>`.
    func sendLoggedIn(account: String) {
        let mask = IRCHostmask.of(nick: nick, userPart: IRCHostmask.userPart(account), host: shared.chat.domain)
        numeric(IRCNumeric.loggedIn, [mask, account, "You are now logged in as \(account)"])
    }

    /// NICK, USER and negotiation are done: PASS login, account policy, protected nicks,
    /// then the model session and the welcome burst.
    func completeRegistration() async {
        guard registration.isReady, let nick = registration.nick else { return }
        let settings = shared.settings
        if let credentials = registration.passCredentials {
            registration.password = nil  // not kept in memory longer than needed
            do {
                let login = try await shared.portal.login(credentials)
                self.login = login
                registration.account = login.avatar.user.localpart
                sendLoggedIn(account: login.avatar.user.localpart)
            } catch {
                log(.notice, "PASS login refused", ["user": "\(credentials.username)"])
                numeric(IRCNumeric.passwordMismatch, ["Password incorrect"])
                close("Bad password")
                return
            }
        }
        guard !closed else { return }
        guard registration.account != nil || settings.allowGuests else {
            // COMPAT: as ergo's require-sasl: FAIL * ACCOUNT_REQUIRED, then ERROR.
            send(IRCMessage(
                source: serverName, command: "FAIL",
                parameters: ["*", "ACCOUNT_REQUIRED", "An account is required: log in with SASL PLAIN or PASS account:password"]))
            close("An account is required to connect to this server")
            return
        }
        guard await nickAllowed(nick), !closed else {
            if !closed { refuseReservedNick(nick) }
            return
        }
        let mind = IRCMind(connection: self, channel: channel, shared: shared)
        mind.update(nick: nick, capabilities: capabilities)
        let userID: UserID
        let session: ChatSession
        do {
            if let login {
                userID = login.avatar.user
                session = try await login.avatar.openSession(resource: nil, mind: mind)
            } else {
                // A guest logs in through the portal's anonymous checker: a generated name,
                // a guest's avatar. Its login is not kept: the connection closes the guest's
                // only session itself, which is all the chat realm's logout does, and every
                // idle guest connection would otherwise hold two more objects
                // (docs/benchmarks-irc.md measures memory per idle connection).
                // The session is named after the nick, so that the nick table finds it without
                // an entry of its own (`IRCNickTable.entry(ofSession:)`).
                let guest = try await shared.guestPortal.login(AnonymousCredentials(trace: nil))
                userID = guest.avatar.user
                session = try await guest.avatar.openSession(resource: nick, mind: mind)
            }
        } catch {
            log(.error, "cannot open a session", ["error": "\(error)"])
            close("Cannot open a session: \(error)")
            return
        }
        guard !closed, self.nick == nick else {
            await session.close()
            return
        }
        self.mind = mind
        self.session = session
        // The account's name is verified; a guest's USER username is not (`~`).
        let userPart =
            registration.account.map(IRCHostmask.userPart)
            ?? IRCHostmask.unverifiedUserPart(registration.user ?? nick, maximumLength: IRCServerInfo.userLength)
        mind.registered = IRCMind.Registered(
            session: session, account: registration.account,
            hostmask: IRCHostmask.of(nick: nick, userPart: userPart, host: userID.domain),
            realname: registration.realname ?? nick)
        registration.completed()
        shared.nicks.attach(nick, mind: mind, for: self)
        let registered = shared.registeredCount.wrappingAdd(1, ordering: .relaxed).newValue
        shared.maximumRegistered.max(registered, ordering: .relaxed)
        countModes(from: [], to: mind.registered?.modes ?? [])
        log(.info, "registered", ["user": "\(userID)"])
        corking { sendWelcome() }
        await session.setPresence(Presence())
        shared.memory.noteRelease()  // the burst's garbage
    }

    /// Whether this client may use `nick`: not another account's name while account nicks
    /// are protected.
    func nickAllowed(_ nick: String) async -> Bool {
        guard shared.settings.protectAccountNicks else { return true }
        if let account = registration.account, Username(nick)?.value == Username(account)?.value { return true }
        return await !shared.accountExists(nick)
    }

    /// 433 for a nick reserved by an account; before registration the client picks another.
    func refuseReservedNick(_ nick: String) {
        if !isRegistered {
            shared.nicks.release(nick, for: self)
            registration.nickRefused()
        }
        numeric(IRCNumeric.nicknameInUse, [nick, "Nickname is reserved by a registered account"])
    }

    // MARK: Welcome burst (modern.ircdocs.horse "Connection Registration")

    func sendWelcome() {
        let info = shared.info
        numeric(IRCNumeric.welcome, ["Welcome to the \(shared.settings.network) IRC Network \(hostmask)"])
        numeric(IRCNumeric.yourHost, ["Your host is \(serverName), running version \(IRCServerInfo.version)"])
        numeric(IRCNumeric.created, ["This server was created \(Self.started)"])
        numeric(IRCNumeric.myInfo, info.myInfo)
        sendISupport()
        sendLusers()
        sendMOTD()
    }

    func sendISupport() {
        for parameters in shared.info.isupport.lines(for: nick) {
            send(IRCMessage(source: serverName, command: IRCNumeric.isupport, parameters: parameters))
        }
    }

    /// LUSERS (RFC 2812 §3.4.2): 251–255, 265, 266, counted from what the server holds:
    /// registered clients (visible and invisible), operators, connections not registered
    /// yet, the rooms (channels) that exist, and the most clients registered at once.
    func sendLusers() {
        let users = shared.registeredCount.load(ordering: .relaxed)
        let invisible = min(users, shared.invisibleCount.load(ordering: .relaxed))
        let operators = shared.operatorCount.load(ordering: .relaxed)
        let most = max(users, shared.maximumRegistered.load(ordering: .relaxed))
        let connections = shared.connections.count
        let channels = shared.chat.allRooms.count
        numeric(IRCNumeric.lUserClient, ["There are \(users - invisible) users and \(invisible) invisible on 1 servers"])
        numeric(IRCNumeric.lUserOp, ["\(operators)", "operator(s) online"])
        numeric(IRCNumeric.lUserUnknown, ["\(max(0, connections - users))", "unknown connection(s)"])
        numeric(IRCNumeric.lUserChannels, ["\(channels)", "channels formed"])
        numeric(IRCNumeric.lUserMe, ["I have \(users) clients and 0 servers"])
        numeric(IRCNumeric.localUsers, ["\(users)", "\(most)", "Current local users \(users), max \(most)"])
        numeric(IRCNumeric.globalUsers, ["\(users)", "\(most)", "Current global users \(users), max \(most)"])
    }

    /// MOTD (RFC 2812 §3.4.1): 375, 372 per line, 376; or 422.
    func sendMOTD() {
        guard let motd = shared.motd.withLock({ $0 }) else {
            numeric(IRCNumeric.noMotd, ["MOTD File is missing"])
            return
        }
        numeric(IRCNumeric.motdStart, ["- \(serverName) Message of the day - "])
        for line in motd { numeric(IRCNumeric.motd, ["- " + line]) }
        numeric(IRCNumeric.endOfMotd, ["End of /MOTD command."])
    }

    /// When this process started serving IRC (RPL_CREATED).
    static let started: String = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date())
    }()
}
