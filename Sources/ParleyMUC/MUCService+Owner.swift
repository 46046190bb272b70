import ParleyCore
import ParleyXML
import ParleyXMPP

extension MUCService {
    // MARK: muc#admin lists (§8.5 voice, §9.5 members, §9.1.2 outcasts, §9.8 moderators,
    // §10.5 owners, §10.8 admins)

    /// One `<item affiliation='…'/>` or `<item role='…'/>` asks for that list; the answer
    /// lists each entry with its JID and, when in the room, its nick.
    func adminList(_ query: XMLElement, request: MUCRequest, session: ChatSession) async throws -> XMLElement {
        let room = try roomID(of: request)
        let asked = query.elements.filter { $0.name == "item" && $0.namespace == MUCNamespace.admin }
        guard asked.count == 1, let item = asked.first else {
            throw StanzaError(.badRequest, text: "a muc#admin get asks for one list: one item with a role or an affiliation")
        }
        var answer = XMLElement(name: "query", namespace: MUCNamespace.admin)
        if let text = item[attribute: "affiliation"] {
            guard let affiliation = Affiliation(rawValue: text), affiliation != .none else {
                throw StanzaError(.badRequest, text: "no list of affiliation '\(text.prefix(20))'")
            }
            for entry in try await model({ () async throws(RoomError) in try await session.list(affiliation, in: room) }) {
                var listed = XMLElement(
                    name: "item", namespace: MUCNamespace.admin,
                    attributes: [
                        XMLAttribute("affiliation", value: entry.affiliation.rawValue),
                        XMLAttribute("jid", value: JID(entry.user).description),
                    ])
                if let nick = entry.nick { listed[attribute: "nick"] = nick.displayName }
                answer.append(listed)
            }
        } else if let text = item[attribute: "role"] {
            guard let role = Role(rawValue: text), role == .participant || role == .moderator else {
                throw StanzaError(.badRequest, text: "no list of role '\(text.prefix(20))'")
            }
            for occupant in try await model({ () async throws(RoomError) in try await session.list(role, in: room) }) {
                answer.append(
                    XMLElement(
                        name: "item", namespace: MUCNamespace.admin,
                        attributes: [
                            XMLAttribute("affiliation", value: occupant.affiliation.rawValue),
                            XMLAttribute("jid", value: JID(occupant.user).description),
                            XMLAttribute("nick", value: occupant.nick.displayName),
                            XMLAttribute("role", value: occupant.role.rawValue),
                        ]))
            }
        } else {
            throw StanzaError(.badRequest, text: "the item names neither a role nor an affiliation")
        }
        return answer
    }

    // MARK: muc#owner (§10.1 creation, §10.2 configuration, §10.9 destruction)

    /// §10.2: the configuration form, to owners.
    func ownerForm(_ request: MUCRequest, session: ChatSession) async throws -> XMLElement {
        let room = try roomID(of: request)
        let configuration = try await model { () async throws(RoomError) in try await session.ownerConfiguration(of: room) }
        var query = XMLElement(name: "query", namespace: MUCNamespace.owner)
        query.append(RoomConfigurationForm.form(for: configuration, room: rooms.jid(of: room).description).element)
        return query
    }

    /// A submitted form (§10.1.2 instant room when empty, §10.2), a cancelled one (§10.1.3:
    /// a new room that its owner will not configure is destroyed), or `<destroy/>` (§10.9).
    func owner(_ query: XMLElement, request: MUCRequest, session: ChatSession) async throws {
        let room = try roomID(of: request)
        if let destroy = query.firstChild(named: "destroy", namespace: MUCNamespace.owner) {
            var alternate: String?
            if let text = destroy[attribute: "jid"] {
                guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "the alternate venue is not a JID") }
                alternate = jid.description
            }
            let reason = destroy.firstChild(named: "reason", namespace: MUCNamespace.owner)?.text
            try await model { () async throws(RoomError) in
                try await session.destroy(room, reason: reason.map { String($0.prefix(Self.maximumReasonLength)) }, alternate: alternate)
            }
            return
        }
        let form: DataForm
        do {
            guard let found = try DataForm.first(in: query) else {
                throw StanzaError(.badRequest, text: "a muc#owner set holds a data form or <destroy/>")
            }
            form = found
        } catch let error as DataFormError {
            throw StanzaError(.badRequest, text: error.description)
        }
        if form.type == .cancel {
            let current = await chat.room(room)?.snapshot
            guard let current, current.isLocked, current.affiliation(of: session.user) == .owner else { return }
            try await model { () async throws(RoomError) in try await session.destroy(room) }
            return
        }
        let current = try await model { () async throws(RoomError) in try await session.ownerConfiguration(of: room) }
        let configuration = try RoomConfigurationForm.configuration(from: form, current: current)
        try await model { () async throws(RoomError) in try await session.configureAsOwner(room, configuration) }
    }

    /// Longest destruction reason kept.
    static let maximumReasonLength = 1024

    /// Runs a model operation; its refusal becomes the XEP-0045 error.
    func model<T>(_ body: () async throws(RoomError) -> T) async throws(StanzaError) -> T {
        do {
            return try await body()
        } catch {
            throw StanzaError(error)
        }
    }
}
