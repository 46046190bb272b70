import ParleyCore
import ParleyXML
import ParleyXMPP

extension MUCService {
    /// IQs to the service, a room or an occupant: disco (§6), self-ping (XEP-0410), the
    /// moderator and admin items and lists of `muc#admin` (§8, §9), the owner's
    /// configuration and destruction (`muc#owner`, §10; `MUCService+Owner.swift`) and
    /// archive queries (XEP-0313; `MUCService+Archive.swift`).
    func iq(_ request: MUCRequest, session: ChatSession, client: any MUCClient) async throws {
        let stanza = request.stanza
        guard let type = stanza[attribute: "type"], type == "get" || type == "set" else { return }
        guard stanza[attribute: "id"] != nil, stanza.elements.count == 1, let child = stanza.elements.first else {
            throw StanzaError(.badRequest, text: "a get or set iq has an id and exactly one child element")
        }
        let payload: XMLElement?
        switch (type, child.namespace, request.to.localpart, request.to.resource) {
        case ("get", XMPPNamespace.discoInfo, nil, nil): payload = serviceInfo()
        case ("get", XMPPNamespace.discoItems, nil, nil): payload = await serviceItems()
        case ("get", XMPPNamespace.discoInfo, _?, nil): payload = try await roomInfo(request)
        case ("get", XMPPNamespace.discoItems, _?, nil):
            // §6.5: occupants are not listed as items (privacy of the room JIDs' owners).
            _ = try await existingRoom(request)
            payload = DiscoItems().element
        case ("get", XMPPNamespace.ping, _?, let nick?):
            // XEP-0410 §3: a ping to one's own occupant JID answers whether one is still in.
            try await selfPing(request, nick: nick, session: session)
            payload = nil
        case ("set", MUCNamespace.admin, _?, nil):
            try await admin(child, request: request, session: session)
            payload = nil
        case ("get", MUCNamespace.admin, _?, nil): payload = try await adminList(child, request: request, session: session)
        case ("get", MUCNamespace.owner, _?, nil): payload = try await ownerForm(request, session: session)
        case ("set", MUCNamespace.mam, _?, nil):
            payload = try await archiveQuery(child, request: request, session: session, client: client)
        case ("get", MUCNamespace.mam, _?, nil):
            _ = try roomID(of: request)
            var query = XMLElement(name: "query", namespace: MUCNamespace.mam)
            query.append(MAMRequest.fields.element)
            payload = query
        case ("set", MUCNamespace.owner, _?, nil):
            try await owner(child, request: request, session: session)
            payload = nil
        default:
            throw StanzaError(.featureNotImplemented, text: "this service does not answer \(child.namespace) here")
        }
        var result = XMLElement(
            name: "iq", namespace: stanza.namespace,
            attributes: [
                XMLAttribute("from", value: request.to.description), XMLAttribute("to", value: request.from.description),
                XMLAttribute("type", value: "result"), XMLAttribute("id", value: stanza[attribute: "id"] ?? ""),
            ])
        if let payload { result.append(payload) }
        await client.send(result)
    }

    // MARK: Disco (§6)

    private func serviceInfo() -> XMLElement {
        DiscoInfo(
            identities: [.init(category: "conference", type: "text", name: name)],
            features: [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, MUCNamespace.muc, MUCNamespace.stanzaID]
        ).element
    }

    /// §6.3: the public rooms, with their names.
    private func serviceItems() async -> XMLElement {
        var items: [DiscoItems.Item] = []
        for room in chat.allRooms.prefix(Self.maximumListedRooms) {
            let state = await room.snapshot
            guard !state.configuration.hidden else { continue }
            items.append(DiscoItems.Item(jid: rooms.jid(of: state.id), name: state.configuration.name ?? state.id.displayName))
        }
        items.sort { $0.jid.description < $1.jid.description }
        return DiscoItems(items: items).element
    }

    /// Rooms listed in one disco#items answer (no RSM paging yet).
    static let maximumListedRooms = 1000

    private func existingRoom(_ request: MUCRequest) async throws -> RoomState {
        guard let id = rooms.room(of: request.to), let room = chat.room(id) else {
            throw StanzaError(.itemNotFound, text: "no such room")
        }
        return await room.snapshot
    }

    /// §6.4: the room's identity, its `muc_*` features and the `muc#roominfo` form.
    private func roomInfo(_ request: MUCRequest) async throws -> XMLElement {
        let state = try await existingRoom(request)
        let configuration = state.configuration
        let features = [
            XMPPNamespace.discoInfo, MUCNamespace.muc, MUCNamespace.stanzaID, MUCNamespace.occupantID,
            configuration.persistent ? "muc_persistent" : "muc_temporary",
            configuration.membersOnly ? "muc_membersonly" : "muc_open",
            configuration.moderated ? "muc_moderated" : "muc_unmoderated",
            configuration.password != nil ? "muc_passwordprotected" : "muc_unsecured",
            configuration.hidden ? "muc_hidden" : "muc_public",
            "muc_nonanonymous",
        ] + (chat.roomArchive != nil ? [MUCNamespace.mam, MUCNamespace.mamExtended] : [])
        let form = DataForm(
            type: .result, formType: MUCNamespace.roomInfo,
            fields: [
                DataFormField(
                    variable: "muc#roominfo_description", label: "Description", values: [configuration.description ?? ""]),
                DataFormField(variable: "muc#roominfo_subject", label: "Subject", values: [state.topic?.text ?? ""]),
                DataFormField(
                    variable: "muc#roominfo_occupants", label: "Number of occupants", values: [String(state.occupants.count)]),
            ])
        return DiscoInfo(
            identities: [.init(category: "conference", type: "text", name: configuration.name ?? state.id.displayName)],
            features: features,
            extensions: [form]
        ).element
    }

    // MARK: XEP-0410

    private func selfPing(_ request: MUCRequest, nick: String, session: ChatSession) async throws {
        guard let id = rooms.room(of: request.to), let room = chat.room(id),
            let occupant = await room.snapshot.occupant(of: session.id), occupant.nick.displayName == nick
        else {
            throw StanzaError(.notAcceptable, text: "you are not in this room under that nickname")
        }
    }

    // MARK: muc#admin (§8 moderators, §9 admins)

    /// Role items by nick (kick = role none, voice grant and revoke, moderator) and
    /// affiliation items by JID (ban = outcast, member, admin, owner, none), each with an
    /// optional reason; all are tried in order and the first refusal is the answer.
    private func admin(_ query: XMLElement, request: MUCRequest, session: ChatSession) async throws {
        let room = try roomID(of: request)
        let items = query.elements.filter { $0.name == "item" && $0.namespace == MUCNamespace.admin }
        guard !items.isEmpty, items.count <= Self.maximumAdminItems else {
            throw StanzaError(.badRequest, text: "a muc#admin set needs 1 to \(Self.maximumAdminItems) items")
        }
        for item in items {
            let reason = item.firstChild(named: "reason", namespace: MUCNamespace.admin)?.text
            do {
                if let roleText = item[attribute: "role"] {
                    guard let role = Role(rawValue: roleText) else {
                        throw StanzaError(.badRequest, text: "unknown role '\(roleText)'")
                    }
                    guard let nickText = item[attribute: "nick"], let nick = Nickname(nickText) else {
                        throw StanzaError(.badRequest, text: "a role item needs the occupant's nick")
                    }
                    try await session.setRole(role, of: nick, in: room, reason: reason)
                } else if let affiliationText = item[attribute: "affiliation"] {
                    guard let affiliation = Affiliation(rawValue: affiliationText) else {
                        throw StanzaError(.badRequest, text: "unknown affiliation '\(affiliationText)'")
                    }
                    guard let jidText = item[attribute: "jid"], let jid = JID(jidText) else {
                        throw StanzaError(.badRequest, text: "an affiliation item needs a JID")
                    }
                    try await session.setAffiliation(affiliation, of: jid.bare.userID, in: room, reason: reason)
                } else {
                    throw StanzaError(.badRequest, text: "an item needs a role or an affiliation")
                }
            } catch let error as RoomError {
                throw StanzaError(error)
            }
        }
    }

    /// The room a request names, or item-not-found.
    func roomID(of request: MUCRequest) throws(StanzaError) -> RoomID {
        guard let room = rooms.room(of: request.to) else { throw StanzaError(.itemNotFound, text: "no such room") }
        return room
    }

    /// Items one muc#admin set may carry.
    static let maximumAdminItems = 50
}
