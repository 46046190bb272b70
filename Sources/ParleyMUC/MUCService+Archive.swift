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
            throw MAMResults.error(error)
        }
        let roomJID = rooms.jid(of: room).description
        let renderer = MUCEventRenderer(rooms: rooms, codec: codec)
        for archived in page.messages {
            await client.send(
                result(archived, in: room, roomJID: roomJID, to: request.from.description, queryID: mam.queryID, renderer: renderer))
        }
        return MAMResults.fin(page)
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

    /// §4.2: one archived room message as a result.
    private func result(
        _ archived: ArchivedMessage, in room: RoomID, roomJID: String, to: String, queryID: String?,
        renderer: MUCEventRenderer
    ) -> XMLElement {
        MAMResults.result(
            renderer.groupchat(archived.message, in: room, senderUser: archived.sender), id: archived.id, at: archived.at,
            queryID: queryID, from: roomJID, to: to, namespace: codec.namespace)
    }
}
