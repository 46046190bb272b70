import ParleyCore
import ParleyXML
import ParleyXMPP

extension MUCService {
    // MARK: XEP-0313 (MUC archives) with XEP-0059 paging

    /// §4: sends each message of the page as a `<result/>` to the client, then returns the
    /// `<fin/>` for the IQ result.
    func archiveQuery(_ element: XMLElement, request: MUCRequest, session: ChatSession, client: any MUCClient)
        async throws -> XMLElement
    {
        let room = try roomID(of: request)
        guard let archive = chat.roomArchive else {
            throw StanzaError(.featureNotImplemented, text: "this service keeps no archive")
        }
        try await checkArchiveAccess(room, session: session)
        let mam = try MAMRequest(element: element, rooms: rooms)
        let page: ArchivePage
        do {
            // The archive reads files: off the caller's event loop.
            page = try await Task.detached { () throws(ArchiveQueryError) -> ArchivePage in
                try archive.query(room, mam.query)
            }.value
        } catch let error as ArchiveQueryError {
            switch error {
            case .noSuchID(let id): throw StanzaError(.itemNotFound, text: "no archived message has the id '\(id.prefix(100))'")
            case .unavailable: throw StanzaError(.internalServerError, text: "the archive cannot be read now")
            }
        }
        let roomJID = rooms.jid(of: room).description
        let renderer = MUCEventRenderer(rooms: rooms, codec: codec)
        for archived in page.messages {
            await client.send(
                result(archived, in: room, roomJID: roomJID, to: request.from.description, queryID: mam.queryID, renderer: renderer))
        }
        return fin(page)
    }

    /// Who may read a room's archive: not outcasts; in a members-only room, members and
    /// occupants only (XEP-0313 §5.1.2: as they may read the room).
    private func checkArchiveAccess(_ room: RoomID, session: ChatSession) async throws {
        guard let state = await chat.room(room)?.snapshot else { throw StanzaError(.itemNotFound, text: "no such room") }
        let affiliation = state.affiliation(of: session.user)
        if affiliation == .outcast { throw StanzaError(.forbidden, text: "you are banned from this room") }
        if state.configuration.membersOnly && affiliation < .member && state.occupant(of: session.id) == nil {
            throw StanzaError(.forbidden, text: "this room's archive is for its members")
        }
    }

    /// §4.2: `<message><result queryid id><forwarded><delay/><message/></forwarded></result></message>`.
    private func result(
        _ archived: ArchivedMessage, in room: RoomID, roomJID: String, to: String, queryID: String?,
        renderer: MUCEventRenderer
    ) -> XMLElement {
        var forwarded = XMLElement(name: "forwarded", namespace: MUCNamespace.forward)
        forwarded.append(Delay(stamp: archived.at).element)
        forwarded.append(renderer.groupchat(archived.message, in: room, senderUser: archived.sender))
        var result = XMLElement(name: "result", namespace: MUCNamespace.mam, attributes: [XMLAttribute("id", value: archived.id)])
        if let queryID { result[attribute: "queryid"] = queryID }
        result.append(forwarded)
        var message = XMLElement(
            name: "message", namespace: codec.namespace,
            attributes: [XMLAttribute("from", value: roomJID), XMLAttribute("to", value: to)])
        message.append(result)
        return message
    }

    /// §4.3: `<fin complete>` with the RSM `<set/>` of the page.
    private func fin(_ page: ArchivePage) -> XMLElement {
        var fin = XMLElement(name: "fin", namespace: MUCNamespace.mam)
        if page.complete { fin[attribute: "complete"] = "true" }
        var set = XMLElement(name: "set", namespace: MUCNamespace.rsm)
        if let first = page.messages.first {
            var element = XMLElement(name: "first", namespace: MUCNamespace.rsm, children: [.text(first.id)])
            if let index = page.firstIndex { element[attribute: "index"] = String(index) }
            set.append(element)
        }
        if let last = page.messages.last { set.append(text: last.id, in: "last", namespace: MUCNamespace.rsm) }
        set.append(text: String(page.count), in: "count", namespace: MUCNamespace.rsm)
        fin.append(set)
        return fin
    }
}
