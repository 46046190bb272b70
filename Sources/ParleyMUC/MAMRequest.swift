import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// An archive query to a room (XEP-0313 §4) read from its `<query xmlns='urn:xmpp:mam:2'/>`:
/// the data form's filters (§4.1: `with`, `start`, `end`; §7 extended: `before-id`,
/// `after-id`, `ids`) and the XEP-0059 `<set/>` (`max`, `after`, `before`), as the model's
/// `ArchiveQuery`. Anything it cannot honour is refused with the field's name.
public struct MAMRequest: Sendable, Equatable {
    /// The client's `queryid`, echoed in every result.
    public var queryID: String?
    public var query: ArchiveQuery

    /// Messages per page when the client names no `max`, and the most it may ask for.
    public static let defaultPageSize = 50
    public static let maximumPageSize = 250

    /// A query to a room's archive: `with` names an occupant JID (a nick) or a sender's
    /// bare JID (§4.1.1).
    public init(element query: XMLElement, rooms: RoomJIDMapping) throws(StanzaError) {
        try self.init(element: query) { jid throws(StanzaError) in
            if jid.domain == rooms.domain, let nickText = jid.resource {
                guard let nick = Nickname(nickText) else { throw StanzaError(.badRequest, text: "with: not a nickname") }
                return .nick(nick)
            }
            return .user(jid.bare.userID)
        }
    }

    /// A query to an account's own archive: `with` names the other side of a conversation,
    /// any of its sessions for a bare JID, one for a full JID (§4.1.1).
    public init(accountQuery query: XMLElement) throws(StanzaError) {
        try self.init(element: query) { jid in .peer(jid.bare.userID, resource: jid.resource) }
    }

    /// A query whose `with` field `with` reads.
    init(element query: XMLElement, with: (JID) throws(StanzaError) -> ArchiveQuery.With) throws(StanzaError) {
        queryID = query[attribute: "queryid"].map { String($0.prefix(256)) }
        self.query = ArchiveQuery(max: Self.defaultPageSize)
        let form: DataForm?
        do {
            form = try DataForm.first(in: query)
        } catch {
            throw StanzaError(.badRequest, text: error.description)
        }
        if let form { try apply(form, with: with) }
        if let set = query.firstChild(named: "set", namespace: MUCNamespace.rsm) { try apply(set) }
    }

    private mutating func apply(_ form: DataForm, with parseWith: (JID) throws(StanzaError) -> ArchiveQuery.With)
        throws(StanzaError)
    {
        if let type = form.formType, type != MUCNamespace.mam {
            throw StanzaError(.badRequest, text: "FORM_TYPE must be \(MUCNamespace.mam)")
        }
        for field in form.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable, let value = field.values.first else {
                continue
            }
            switch variable {
            case "with":
                guard let jid = JID(value) else { throw StanzaError(.badRequest, text: "with: '\(value.prefix(100))' is not a JID") }
                query.with = try parseWith(jid)
            case "start", "end":
                guard let date = XMPPDateTime.date(from: value) else {
                    throw StanzaError(.badRequest, text: "\(variable): '\(value.prefix(40))' is not an XEP-0082 date and time")
                }
                if variable == "start" { query.start = date } else { query.end = date }
            case "after-id": query.after = value
            case "before-id": query.before = value
            case "ids": query.ids = Array(field.values.prefix(Self.maximumPageSize))
            default:
                // XEP-0313 §4.1.5 (retrieving form fields): a field the server does not know
                // is feature-not-implemented.
                throw StanzaError(.featureNotImplemented, text: "\(variable.prefix(100)): this archive has no such field")
            }
        }
    }

    /// XEP-0059 §2: `max`, then `after` or `before` (empty: the last page).
    private mutating func apply(_ set: XMLElement) throws(StanzaError) {
        if let text = set.firstChild(named: "max", namespace: MUCNamespace.rsm)?.text {
            guard let max = Int(text), max >= 0 else { throw StanzaError(.badRequest, text: "max: '\(text.prefix(20))' is not a count") }
            query.max = min(max, Self.maximumPageSize)
        }
        if let after = set.firstChild(named: "after", namespace: MUCNamespace.rsm) {
            guard !after.text.isEmpty else { throw StanzaError(.badRequest, text: "after: an id is needed") }
            query.after = after.text
        }
        if let before = set.firstChild(named: "before", namespace: MUCNamespace.rsm) {
            if before.text.isEmpty { query.lastPage = true } else { query.before = before.text }
        }
        if set.firstChild(named: "index", namespace: MUCNamespace.rsm) != nil {
            throw StanzaError(.featureNotImplemented, text: "index: page by id or time instead")
        }
    }

    /// §4.1.5: the fields a query form may hold.
    public static var fields: DataForm {
        DataForm(
            type: .form, formType: MUCNamespace.mam,
            fields: [
                DataFormField(variable: "with", type: .jidSingle, label: "An occupant JID, or a sender's bare JID"),
                DataFormField(variable: "start", type: .textSingle, label: "Messages at or after (XEP-0082)"),
                DataFormField(variable: "end", type: .textSingle, label: "Messages at or before (XEP-0082)"),
                DataFormField(variable: "after-id", type: .textSingle),
                DataFormField(variable: "before-id", type: .textSingle),
                DataFormField(variable: "ids", type: .textMulti),
            ])
    }
}
