import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyIRC
import ParleyMUC
import ParleyXML
import ParleyXMPP
import Synchronization

/// The gateway component on `irc.<domain>`: reads what XMPP users send to its addresses
/// (`GatewayAddress`) and hands each request to the user's puppet for that network,
/// creating it on the first entry. Runs in process or as an XEP-0114 component: it only
/// talks through its `ComponentLink`.
final class IRCGatewayService: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    let context: GatewayContext
    let logger: Logger
    /// Each user's settings per network (`configure`), when the gateway has storage.
    let settingsStore: FlatFileSettingsStore?

    private struct PuppetKey: Hashable {
        let user: UserID
        let network: String
    }
    private let puppets = Mutex<[PuppetKey: IRCPuppet]>([:])
    /// The loops the puppets (and their IRC connections) live on, one chosen per puppet.
    private let eventLoops: any EventLoopGroup

    init(
        context: GatewayContext, settingsStore: FlatFileSettingsStore?, logger: Logger,
        eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.context = context
        self.settingsStore = settingsStore
        self.logger = logger
        self.eventLoops = eventLoops
        // Backpressure: while the link to the XMPP server is backed up, the puppets stop
        // reading from their networks, so that copies wait in the kernel's and the ircd's
        // buffers instead of overrunning the link's bounded queue.
        context.link.onCongestionChange { [weak self] congested in self?.linkCongested(congested) }
    }

    /// Whether the component link is congested (`onCongestionChange`).
    private let congested = Atomic<Bool>(false)

    private func linkCongested(_ value: Bool) {
        congested.store(value, ordering: .relaxed)
        for puppet in puppets.withLock({ Array($0.values) }) { puppet.setReading(!value) }
    }

    /// The record name of `user`'s settings for a network or a channel
    /// (`alice@localhost%irc.libera.chat`, `alice@localhost%#dev%irc.libera.chat`).
    static func settingsName(_ user: UserID, _ target: String) -> String { "\(user)%\(target)" }

    /// The settings record `name` (empty when none, or unreadable: logged).
    func settings<Settings: GatewaySettingsForm>(_ name: String, as _: Settings.Type) -> Settings {
        guard let settingsStore else { return Settings() }
        do {
            return Settings(record: try settingsStore.load(name))
        } catch {
            logger.error("cannot read IRC gateway settings", metadata: ["record": "\(name)", "error": "\(error)"])
            return Settings()
        }
    }

    /// How many puppets (IRC connections) are open.
    var puppetCount: Int { puppets.withLock { $0.count } }

    func deliver(_ event: ChatEvent, to: Address) throws {
        guard let target = to.user else { return }
        let address = GatewayAddress(
            localpart: target.localpart.isEmpty ? nil : target.localpart, fixedNetwork: context.settings.fixedNetwork)
        switch event {
        case .presence(let from, let presence):
            guard !presence.isError else { return }
            presenceArrived(presence, from: from, to: to, address: address)
        case .message(let message):
            guard let address else { return refuse(message, .itemNotFound, "no such channel, user or network") }
            messageArrived(message, address: address)
        case .query(let query) where query.kind.isRequest:
            answer(query, address: address)
        default:
            break
        }
    }

    /// Graceful shutdown: every puppet QUITs ("Gateway shutting down") and tells its
    /// resources that the rooms are gone (332), as biboumi does.
    func stopping() async {
        let all = puppets.withLock { puppets in
            defer { puppets = [:] }
            return Array(puppets.values)
        }
        let closing = all.map { $0.close() }  // all at once, then wait for each
        for closed in closing { try? await closed.get() }
    }

    // MARK: Presence (XEP-0045 §7.2, §7.6, §7.14)

    private func presenceArrived(_ presence: Presence, from: SessionID, to: Address, address: GatewayAddress?) {
        guard case .channel(let network, let name)? = address, case .session(let occupant) = to else {
            // Presence to anything but an occupant JID of a channel: nothing to join.
            if presence.availability.isOnline, case .session(let occupant) = to {
                let error = GatewayErrors.presence(.itemNotFound, text: "not a channel of the gateway")
                context.link.post(.presence(error, from: occupant, to: .session(from)))
            }
            return
        }
        let key = PuppetKey(user: from.user, network: network)
        guard presence.availability.isOnline else {
            // An exit, or the resource went away (RFC 6121 §4.6.3 unavailable to where it
            // sent directed presence).
            puppets.withLock { $0[key] }?.submit(.exit(from, name: name))
            return
        }
        // §7.2.1: the nick is the resource; one that is no IRC nick is jid-malformed (the
        // same rule as the `nick` of `configure`).
        guard IRCNickname.isValid(occupant.resource, maximumLength: NetworkSettings.maximumNickLength) else {
            let error = GatewayErrors.presence(.jidMalformed, text: "'\(occupant.resource)' is not an IRC nickname")
            context.link.post(.presence(error, from: occupant, to: .session(from)))
            return
        }
        if let refusal = refusal(of: key) {
            context.link.post(.presence(GatewayErrors.presence(refusal.0, text: refusal.1), from: occupant, to: .session(from)))
            return
        }
        let x = Self.mucElement(in: presence)
        // §7.2.6 password; §7.2.14 history maxstanzas.
        let password = x?.firstChild(named: "password", namespace: MUCNamespace.muc)?.text
        let history = x?.firstChild(named: "history", namespace: MUCNamespace.muc)?[attribute: "maxstanzas"].flatMap { Int($0) }
        let entered = puppet(for: key, nick: occupant.resource).submit(
            .enter(
                from, channel: .channel(network: network, name: name), name: name, nick: occupant.resource, password: password,
                presence: presence, history: history))
        if !entered {
            let error = GatewayErrors.presence(.resourceConstraint, text: Self.busy)
            context.link.post(.presence(error, from: occupant, to: .session(from)))
        }
    }

    /// Why `key`'s user may not use that network: one the operator did not allow
    /// (`allowed-networks`; the gateway connects where users ask, so this is what keeps it
    /// off hosts it should not reach), or one network too many (`max-networks-per-user`).
    private func refusal(of key: PuppetKey) -> (StanzaError.Condition, String)? {
        let allowed = context.settings.allowedNetworks
        if !allowed.isEmpty, !allowed.contains(key.network) {
            return (.notAllowed, "this gateway connects only to \(allowed.sorted().joined(separator: ", "))")
        }
        let open = puppets.withLock { puppets in
            puppets[key] != nil ? 0 : puppets.keys.filter { $0.user == key.user }.count
        }
        if open >= context.settings.maximumNetworksPerUser {
            return (.resourceConstraint, "at most \(context.settings.maximumNetworksPerUser) IRC networks at once")
        }
        return nil
    }

    /// The `<x xmlns='…muc'/>` of a join presence (XEP-0045 §7.2.1).
    private static func mucElement(in presence: Presence) -> XMLElement? {
        for payload in presence.payloads {
            if let x = payload.native?.value as? XMLElement, x.namespace == MUCNamespace.muc, x.name == "x" { return x }
        }
        return nil
    }

    /// Why a request was refused while the user's puppet has `IRCPuppet.maximumWaiting`
    /// requests waiting.
    static let busy = "too many requests waiting for this IRC network; try again"

    /// The user's puppet for the network, made when missing.
    private func puppet(for key: PuppetKey, nick: String) -> IRCPuppet {
        puppets.withLock { puppets in
            if let puppet = puppets[key] { return puppet }
            let persistentByDefault = context.settings.persistentByDefault
            let puppet = IRCPuppet(
                user: key.user, network: key.network, nick: nick,
                settings: settings(Self.settingsName(key.user, key.network), as: NetworkSettings.self),
                context: context, loop: eventLoops.next(), readingPaused: congested.load(ordering: .relaxed), logger: logger,
                isPersistent: { [weak self] channel in
                    let name = Self.settingsName(key.user, "\(channel)%\(key.network)")
                    return self?.settings(name, as: ChannelSettings.self).persistent ?? persistentByDefault
                },
                onFinished: { [weak self] finished in self?.forget(finished, key: key) })
            puppets[key] = puppet
            return puppet
        }
    }

    private func forget(_ puppet: IRCPuppet, key: PuppetKey) {
        puppets.withLock { puppets in
            if puppets[key] === puppet { puppets[key] = nil }
        }
    }

    /// `disconnect-from-irc-servers`: the form with `user`'s networks, then QUIT on the
    /// chosen ones (a network the user is not connected to is skipped).
    private func disconnectCommand(_ command: XMLElement, kind: Query.Kind, user: UserID) -> Result<XMLElement, StanzaError> {
        let connected = puppets.withLock { puppets in puppets.filter { $0.key.user == user } }
        switch GatewayCommands.disconnectStage(command, kind: kind) {
        case .failure(let error):
            return .failure(error)
        case .success(.form):
            return .success(GatewayCommands.disconnectForm(networks: connected.keys.map(\.network).sorted()))
        case .success(.canceled(let session)):
            return .success(GatewayCommands.response(node: GatewayCommands.disconnect, session: session, status: "canceled"))
        case .success(.submitted(let session, let networks, let quitMessage)):
            var count = 0
            for (key, puppet) in connected where networks.contains(key.network) {
                // Not bounded: the user's own request to leave must not be refused.
                puppet.onLoop(bounded: false) { $0.handle(.disconnect(quitMessage: quitMessage)) }
                count += 1
            }
            return .success(
                GatewayCommands.completed(
                    node: GatewayCommands.disconnect, session: session,
                    note: "Disconnected from \(count) IRC server\(count == 1 ? "" : "s")."))
        }
    }

    // MARK: Messages

    private func messageArrived(_ message: Message, address: GatewayAddress) {
        guard case .session(let from) = message.from, message.kind != .error else { return }
        switch address {
        case .channel(let network, let name):
            guard let puppet = puppets.withLock({ $0[PuppetKey(user: from.user, network: network)] }) else {
                // §7.4: only occupants send groupchat.
                return refuse(message, .notAcceptable, "you are not in \(name)")
            }
            if let subject = message.subject, message.body == nil {
                submit(.setSubject(name: name, subject), to: puppet, refusing: message)
            } else if message.kind == .room {
                submit(.say(from, name: name, message), to: puppet, refusing: message)
            }
        case .person(let network, let nick):
            guard let puppet = puppets.withLock({ $0[PuppetKey(user: from.user, network: network)] }) else {
                return refuse(message, .recipientUnavailable, "not connected to \(network): join a channel there first")
            }
            submit(.tell(nick: nick, message), to: puppet, refusing: message)
        case .network(let network):
            // biboumi's raw IRC messages: the body, line by line, to the network.
            guard let body = message.body else { return }
            guard let puppet = puppets.withLock({ $0[PuppetKey(user: from.user, network: network)] }) else {
                return refuse(message, .recipientUnavailable, "not connected to \(network): join a channel there first")
            }
            switch GatewayRawCommands.lines(of: body) {
            case .success(let lines): submit(.raw(from, lines), to: puppet, refusing: message)
            case .failure(let refusal): refuse(message, .notAcceptable, refusal.text)
            }
        case .gateway:
            return refuse(message, .featureNotImplemented, "raw IRC commands go to a network's JID (irc.example.net@\(context.domain))")
        }
    }

    /// Hands `request` to `puppet`, or refuses `message` when too many wait.
    private func submit(_ request: GatewayRequest, to puppet: IRCPuppet, refusing message: Message) {
        if !puppet.submit(request) { refuse(message, .resourceConstraint, Self.busy) }
    }

    /// Answers `message` with an error message (RFC 6120 §8.3) from where it was sent to.
    private func refuse(_ message: Message, _ condition: StanzaError.Condition, _ text: String) {
        guard message.kind != .error else { return }
        let error = StanzaError(condition, text: text).element(namespace: XMPPNamespace.client)
        context.link.post(
            .message(
                Message(
                    id: message.id, kind: .error, from: message.to, to: message.from,
                    payloads: [GatewayMUCRendering.payload(error)])))
    }

    // MARK: Queries (XEP-0030)

    private func answer(_ query: Query, address: GatewayAddress?) {
        let requester: SessionID
        switch query.from {
        case .session(let session): requester = session
        case .user(let user): requester = SessionID(user: user, resource: "")
        case .room, .occupant: return
        }
        let child = query.payloads.count == 1 ? query.payloads[0].native?.value as? XMLElement : nil
        let reply: @Sendable (XMLElement?, StanzaError?, Result<XMLElement, StanzaError>?) -> Void = { payload, error, answer in
            var payload = payload, error = error
            switch answer {
            case .success(let element)?: payload = element
            case .failure(let failure)?: error = failure
            case nil: break
            }
            let element = error.map { $0.element(namespace: XMPPNamespace.client) } ?? payload
            self.context.link.post(
                .query(
                    Query(
                        id: query.id, kind: error == nil ? .result : .error, from: .session(query.to), to: requester,
                        payloads: element.map { [GatewayMUCRendering.payload($0)] } ?? [])))
        }
        if let child, child.namespace == GatewayCommands.namespace, query.to.resource.isEmpty {
            switch (child[attribute: "node"], address) {
            case (GatewayCommands.connectionInfo, .network(let network)?):
                let session = child[attribute: "sessionid"] ?? GatewayCommands.newSession()
                let info = { @Sendable (text: String) in
                    reply(GatewayCommands.completed(node: GatewayCommands.connectionInfo, session: session, note: text), nil, nil)
                }
                let puppet = puppets.withLock { $0[PuppetKey(user: requester.user, network: network)] }
                guard let puppet, puppet.onLoop({ info($0.connectionInfo) }) else { return info("Not connected to \(network).") }
                return
            case (GatewayCommands.disconnect, .gateway?):
                return reply(nil, nil, disconnectCommand(child, kind: query.kind, user: requester.user))
            default:
                break
            }
            let commands = GatewayCommands(service: self)
            switch address {
            case .network(let network)? where !context.settings.allowedNetworks.isEmpty
                && !context.settings.allowedNetworks.contains(network):
                return reply(nil, StanzaError(.notAllowed, text: "this gateway does not connect to \(network)"), nil)
            case .network(let network)?:
                return reply(nil, nil, commands.answer(
                    child, kind: query.kind, from: requester.user, record: Self.settingsName(requester.user, network),
                    target: network, as: NetworkSettings.self))
            case .channel(let network, let name)?:
                return reply(nil, nil, commands.answer(
                    child, kind: query.kind, from: requester.user,
                    record: Self.settingsName(requester.user, "\(name)%\(network)"), target: name, as: ChannelSettings.self))
            default:
                break
            }
        }
        if case .channel(let network, let name)? = address, let child {
            let puppet = puppets.withLock { $0[PuppetKey(user: requester.user, network: network)] }
            switch (child.namespace, child.name, query.kind) {
            case (XMPPNamespace.ping, "ping", .get) where !query.to.resource.isEmpty:
                // XEP-0410 §3: a ping to one's own occupant JID answers while one is in the
                // room, so clients never drop a room silently.
                guard let puppet else { return reply(nil, StanzaError(.notAcceptable), nil) }
                let asked = puppet.onLoop { puppet in
                    reply(nil, puppet.isIn(name, session: requester) ? nil : StanzaError(.notAcceptable), nil)
                }
                if !asked { reply(nil, StanzaError(.resourceConstraint, text: Self.busy), nil) }
                return
            case (MUCNamespace.mam, "query", .set) where query.to.resource.isEmpty:
                // XEP-0313 §4 on a channel room: the puppet answers from the network's
                // IRCv3 chathistory (results, then the IQ with <fin/>), or refuses.
                guard let puppet else { return reply(nil, StanzaError(.notAcceptable, text: "you are not in \(name)"), nil) }
                let mam: MAMRequest
                do {
                    mam = try MAMRequest(element: child, rooms: RoomJIDMapping(domain: context.domain))
                } catch {
                    return reply(nil, error, nil)
                }
                let request = GatewayRequest.archiveQuery(requester, name: name, iq: query.id, queryID: mam.queryID, mam.query)
                if !puppet.submit(request) { reply(nil, StanzaError(.resourceConstraint, text: Self.busy), nil) }
                return
            case (MUCNamespace.admin, "query", .set):
                // XEP-0045 §8.2: a kick is role none by nick; §9.1: a ban is affiliation
                // outcast by JID (`nick%network@irc.<domain>`). The network decides
                // whether we may (482 otherwise).
                let items = child.elements.filter { $0.name == "item" }
                guard let puppet, items.count == 1 else {
                    return reply(nil, StanzaError(.badRequest, text: "one item at a time"), nil)
                }
                let item = items[0]
                let reason = item.firstChild(named: "reason", namespace: MUCNamespace.admin)?.text
                if item[attribute: "role"] == "none", let nick = item[attribute: "nick"] {
                    guard puppet.submit(.kick(name: name, nick: nick, reason: reason)) else {
                        return reply(nil, StanzaError(.resourceConstraint, text: Self.busy), nil)
                    }
                } else if item[attribute: "affiliation"] == "outcast", let text = item[attribute: "jid"], let jid = JID(text),
                    jid.domain == context.domain,
                    case .person(let bannedNetwork, let nick)? = GatewayAddress(localpart: jid.localpart, fixedNetwork: context.settings.fixedNetwork),
                    bannedNetwork == network
                {
                    guard puppet.submit(.ban(name: name, nick: nick, reason: reason)) else {
                        return reply(nil, StanzaError(.resourceConstraint, text: Self.busy), nil)
                    }
                } else {
                    return reply(nil, StanzaError(.featureNotImplemented, text: "kicks (role none by nick) and bans (outcast by nick%network JID) only"), nil)
                }
                return reply(nil, nil, nil)
            default:
                break
            }
        }
        let node = child?[attribute: "node"]
        switch (child?.namespace, child?.name, query.kind, address) {
        case (XMPPNamespace.discoInfo, "query", .get, .gateway?):
            reply(
                DiscoInfo(
                    identities: [DiscoInfo.Identity(category: "conference", type: "irc", name: "IRC gateway")],
                    features: [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, MUCNamespace.muc, GatewayCommands.namespace]
                ).element, nil, nil)
        case (XMPPNamespace.discoInfo, "query", .get, .channel(let network, let name)?):
            let info = { @Sendable (archive: Bool) in
                reply(
                    DiscoInfo(
                        identities: [DiscoInfo.Identity(category: "conference", type: "irc", name: name)],
                        features: [
                            XMPPNamespace.discoInfo, MUCNamespace.muc, "muc_nonanonymous", "muc_persistent",
                            GatewayCommands.namespace,
                        ] + (archive ? [MUCNamespace.mam] : [])
                    ).element, nil, nil)
            }
            // XEP-0313 §7: MAM is announced only where it works: to a user whose network
            // offers IRCv3 chathistory (otherwise clients would skip the MUC history for it).
            let puppet = puppets.withLock { $0[PuppetKey(user: requester.user, network: network)] }
            guard let puppet, puppet.onLoop({ info($0.offersHistory) }) else { return info(false) }
        case (XMPPNamespace.discoInfo, "query", .get, .network(let network)?):
            reply(
                DiscoInfo(
                    identities: [DiscoInfo.Identity(category: "conference", type: "irc", name: network)],
                    features: [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, GatewayCommands.namespace]
                ).element, nil, nil)
        case (XMPPNamespace.discoItems, "query", .get, .network?) where node == GatewayCommands.namespace,
            (XMPPNamespace.discoItems, "query", .get, .channel?) where node == GatewayCommands.namespace:
            // XEP-0050 §2.2: the commands of a network's or a channel's JID.
            reply(GatewayCommands.items(of: JID(query.to.user), network: address?.isNetwork == true).element, nil, nil)
        case (XMPPNamespace.discoItems, "query", .get, .gateway?) where node == GatewayCommands.namespace:
            reply(GatewayCommands.gatewayItems(of: JID(query.to.user)).element, nil, nil)
        case (XMPPNamespace.discoItems, "query", .get, _):
            reply(DiscoItems(node: node).element, nil, nil)  // XEP-0030 §4: no items listed
        default:
            reply(nil, StanzaError(.serviceUnavailable), nil)
        }
    }
}
