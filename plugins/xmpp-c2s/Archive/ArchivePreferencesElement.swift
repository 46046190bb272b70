import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0313 §6.1 `<prefs default='always|never|roster'><always><jid/>…</always><never>…</never></prefs>`
/// read into and written from the model's `ArchivePreferences`.
enum ArchivePreferencesElement {
    /// Most JIDs a client may put on the lists at once.
    static let maximumJIDs = 1_000

    static func element(_ preferences: ArchivePreferences) -> XMLElement {
        var prefs = XMLElement(
            name: "prefs", namespace: XMPPNamespace.mam, attributes: [XMLAttribute("default", value: preferences.default.rawValue)])
        for (name, list) in [("always", preferences.always), ("never", preferences.never)] {
            var element = XMLElement(name: name, namespace: XMPPNamespace.mam)
            for user in list.sorted() { element.append(text: user.description, in: "jid", namespace: XMPPNamespace.mam) }
            prefs.append(element)
        }
        return prefs
    }

    static func parse(_ prefs: XMLElement) throws(StanzaError) -> ArchivePreferences {
        guard let text = prefs[attribute: "default"], let policy = ArchivePreferences.Default(rawValue: text) else {
            throw StanzaError(.badRequest, text: "default must be always, never or roster")
        }
        var preferences = ArchivePreferences(default: policy)
        preferences.always = try jids(in: prefs.firstChild(named: "always", namespace: XMPPNamespace.mam))
        preferences.never = try jids(in: prefs.firstChild(named: "never", namespace: XMPPNamespace.mam))
        return preferences
    }

    private static func jids(in list: XMLElement?) throws(StanzaError) -> Set<UserID> {
        guard let list else { return [] }
        let items = list.elements.filter { $0.name == "jid" && $0.namespace == XMPPNamespace.mam }
        guard items.count <= maximumJIDs else { throw StanzaError(.notAcceptable, text: "at most \(maximumJIDs) JIDs per list") }
        var users: Set<UserID> = []
        for item in items {
            guard let jid = JID(item.text) else { throw StanzaError(.jidMalformed, text: "'\(item.text.prefix(100))' is not a JID") }
            users.insert(jid.bare.userID)
        }
        return users
    }
}
