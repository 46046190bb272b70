import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// The stanzas of an answer to an archive query (XEP-0313 §4.2, §4.3), for rooms' and
/// accounts' archives alike.
public enum MAMResults {
    /// §4.2: `<message><result queryid id><forwarded><delay/>message</forwarded></result></message>`,
    /// from `from` (a room's JID; nil for the account's own archive) to the requester.
    public static func result(
        _ forwardedMessage: XMLElement, id: String, at: Date, queryID: String?, from: String?, to: String, namespace: String
    ) -> XMLElement {
        var forwarded = XMLElement(name: "forwarded", namespace: MUCNamespace.forward)
        forwarded.append(Delay(stamp: at).element)
        forwarded.append(forwardedMessage)
        var result = XMLElement(name: "result", namespace: MUCNamespace.mam, attributes: [XMLAttribute("id", value: id)])
        if let queryID { result[attribute: "queryid"] = queryID }
        result.append(forwarded)
        var message = XMLElement(name: "message", namespace: namespace)
        message[attribute: "from"] = from
        message[attribute: "to"] = to
        message.append(result)
        return message
    }

    /// §4.3: `<fin complete>` with the RSM `<set/>` of the page (XEP-0059 §2.6).
    public static func fin(_ page: ArchivePage) -> XMLElement {
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

    /// The StanzaError for an archive that cannot answer (§4.3: item-not-found for an
    /// unknown `after`/`before` id).
    public static func error(_ error: ArchiveQueryError) -> StanzaError {
        switch error {
        case .noSuchID(let id): StanzaError(.itemNotFound, text: "no archived message has the id '\(id.prefix(100))'")
        case .unavailable: StanzaError(.internalServerError, text: "the archive cannot be read now")
        }
    }
}
