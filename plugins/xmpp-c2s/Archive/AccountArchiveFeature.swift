import Foundation
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// XEP-0313 on the account's own archive (urn:xmpp:mam:2): the query form (§4.1.5), queries
/// with XEP-0059 paging answered from the model's `UserArchive` (§4), and the archiving
/// preferences (§6). Only the account itself may read its archive.
struct AccountArchiveFeature: C2SFeature {
    let archive: any UserArchive
    let codec: XMPPStanzaCodec

    func register(in hooks: inout C2SHooks) {
        hooks.advertiseOnAccount(XMPPNamespace.mam)
        hooks.onIQ(.get, namespace: XMPPNamespace.mam) { request, _ in
            let user = try Self.owner(of: request)
            switch request.child.name {
            case "query":
                var query = XMLElement(name: "query", namespace: XMPPNamespace.mam)
                query.append(MAMRequest.fields.element)
                return .result(query)
            case "prefs":
                return .result(ArchivePreferencesElement.element(archive.preferences(of: user)))
            default:
                throw StanzaError(.badRequest, text: "expected <query/> or <prefs/>")
            }
        }
        hooks.onIQ(.set, namespace: XMPPNamespace.mam) { request, context in
            let user = try Self.owner(of: request)
            switch request.child.name {
            case "query":
                return .result(try await answer(request, user: user, context: context))
            case "prefs":
                let preferences = try ArchivePreferencesElement.parse(request.child)
                let stored = await Task.detached { [archive] () -> Bool in
                    (try? archive.setPreferences(preferences, of: user)) != nil
                }.value
                guard stored else { throw StanzaError(.internalServerError, text: "the preferences cannot be stored now") }
                // §6.1: the result carries the preferences now in force.
                return .result(ArchivePreferencesElement.element(preferences))
            default:
                throw StanzaError(.badRequest, text: "expected <query/> or <prefs/>")
            }
        }
    }

    /// §4: each message of the page as a `<result/>` to the requester, then the `<fin/>`.
    private func answer(_ request: IQRequest, user: Username, context: C2SContext) async throws -> XMLElement {
        let mam = try MAMRequest(accountQuery: request.child)
        let page: ArchivePage
        do {
            // The archive reads files: off the connection's event loop.
            page = try await Task.detached { [archive] () throws(ArchiveQueryError) -> ArchivePage in
                try archive.query(user, mam.query)
            }.value
        } catch let error as ArchiveQueryError {
            throw MAMResults.error(error)
        }
        let to = request.from.description
        for archived in page.messages {
            guard let from = C2SMind.jid(archived.message.from), let recipient = C2SMind.jid(archived.message.to) else { continue }
            var message = archived.message
            message.archiveID = nil  // the result's id is the archive id
            let forwarded = codec.element(for: message, from: from, to: recipient)
            await context.send(
                MAMResults.result(
                    forwarded, id: archived.id, at: archived.at, queryID: mam.queryID, from: nil, to: to,
                    namespace: codec.namespace))
        }
        return MAMResults.fin(page)
    }

    /// The account whose archive is asked for: the requester's own (no `to`, or its own
    /// bare JID); any other is forbidden (§5.1.1: a user's archive is the user's).
    static func owner(of request: IQRequest) throws(StanzaError) -> Username {
        try request.checkOwnAccount()
        guard let user = request.from.userID.username else { throw StanzaError(.forbidden) }
        return user
    }
}
