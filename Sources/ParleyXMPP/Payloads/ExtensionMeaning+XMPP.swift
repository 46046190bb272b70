import Foundation
import ParleyCore
import ParleyXML

/// The XHTML namespace of the `<body/>` inside a XEP-0071 `<html/>`.
let xhtmlNamespace = "http://www.w3.org/1999/xhtml"

extension ExtensionMeaning {
    /// The meaning of an XMPP extension element that the translation table says is of
    /// `kind`; nil when the element lacks what the meaning needs (an `id`, a valid stamp, a
    /// body, a room of `rooms`), so that a malformed element still travels in its native
    /// form. `rooms` says which JIDs are model rooms.
    public init?(xmppElement element: XMLElement, kind: ExtensionKind, rooms: RoomJIDMapping? = nil) {
        switch kind {
        // XEP-0359 §3 origin-id@id; XEP-0461 §2 reply@id; XEP-0308 §3 replace@id;
        // XEP-0424 §4 retract@id.
        case .messageID, .reply, .correction, .retraction:
            guard let id = element[attribute: "id"], !id.isEmpty else { return nil }
            switch kind {
            case .messageID: self = .messageID(id)
            case .reply: self = .reply(to: id)
            case .correction: self = .correction(of: id)
            default: self = .retraction(of: id)
            }
        // XEP-0444 §3: <reactions id='…'><reaction>👋</reaction>…</reactions>.
        case .reaction:
            guard let id = element[attribute: "id"], !id.isEmpty,
                let emoji = Self.reactionSet(of: element)
            else { return nil }
            self = .reaction(to: id, emoji: emoji)
        // XEP-0085 §5: the element name is the state.
        case .typing:
            guard let state = TypingState(rawValue: element.name) else { return nil }
            self = .typing(state)
        // XEP-0203 §3: delay@stamp, a XEP-0082 DateTime.
        case .timestamp:
            guard let stamp = element[attribute: "stamp"], let date = XMPPDateTime.date(from: stamp) else { return nil }
            self = .timestamp(date)
        // XEP-0071 §7: the XHTML <body/> inside <html/>, its content serialized.
        case .formatting:
            let bodies = element.elements.filter { $0.name == "body" && $0.namespace == xhtmlNamespace }
            guard
                let body = bodies.first(where: { $0.attribute("lang", namespace: xmlNamespaceURI) == nil })
                    ?? bodies.first
            else { return nil }
            self = .formatting(markup: body.innerXML(inheritedNamespace: xhtmlNamespace))
        // XEP-0245: a body convention, never an element.
        case .action:
            return nil
        // XEP-0249 §3: <x jid='room@service' reason='…' password='…'/>.
        case .invitation:
            guard let text = element[attribute: "jid"], let jid = JID(text), jid.resource == nil,
                let room = rooms?.room(of: jid)
            else { return nil }
            let reason = element[attribute: "reason"].flatMap { $0.isEmpty ? nil : $0 }
            self = .invitation(room: room, reason: reason)
        }
    }

    /// The XEP element that expresses this meaning, named `{namespace}name` as the
    /// translation table says (`name` `*` takes the name from the meaning, as for XEP-0085
    /// chat states); nil for a meaning that no element carries (an action, XEP-0245).
    /// An invitation needs `rooms` for its room's JID.
    public func xmppElement(namespace: String, name: String, rooms: RoomJIDMapping? = nil) -> XMLElement? {
        func element(_ name: String, id: String) -> XMLElement {
            XMLElement(name: name, namespace: namespace, attributes: [XMLAttribute("id", value: id)])
        }
        switch self {
        case .messageID(let id): return element(name, id: id)
        case .reply(let id): return element(name, id: id)
        case .correction(let id): return element(name, id: id)
        case .retraction(let id): return element(name, id: id)
        case .reaction(let id, let emoji):
            // XEP-0444 §3: one <reaction/> per emoji; §5: never the same one twice.
            var reactions = element(name, id: id)
            var seen: Set<Character> = []
            for character in emoji where !character.isWhitespace && seen.insert(character).inserted {
                reactions.append(text: String(character), in: "reaction", namespace: namespace)
            }
            return reactions
        case .typing(let state):
            return XMLElement(name: name == "*" ? state.rawValue : name, namespace: namespace)
        case .timestamp(let date):
            return XMLElement(
                name: name, namespace: namespace,
                attributes: [XMLAttribute("stamp", value: XMPPDateTime.string(from: date))])
        case .formatting(let markup):
            var html = XMLElement(name: name, namespace: namespace)
            html.append(Self.xhtmlBody(markup))
            return html
        case .action:
            return nil
        case .invitation(let room, let reason):
            guard let rooms else { return nil }
            var attributes = [XMLAttribute("jid", value: rooms.jid(of: room).description)]
            if let reason { attributes.append(XMLAttribute("reason", value: reason)) }
            return XMLElement(name: name, namespace: namespace, attributes: attributes)
        }
    }

    /// XEP-0444: the reactions of one sender to one message are the whole set, so the
    /// meaning carries them all, concatenated in order: each is one emoji (one grapheme
    /// cluster, §5 "a single emoji"), so splitting by `Character` gives them back. An empty
    /// string withdraws every reaction (§3.2). Duplicates are skipped and a reaction that is
    /// not a single emoji is ignored (§5: receivers "MAY ignore" them; the native element
    /// keeps them); nil when reactions were present but none was usable.
    private static func reactionSet(of element: XMLElement) -> String? {
        let texts = element.elements.filter { $0.name == "reaction" && $0.namespace == element.namespace }.map {
            $0.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var emoji = ""
        var seen: Set<String> = []
        for text in texts where text.count == 1 && seen.insert(text).inserted {
            emoji += text
        }
        return texts.isEmpty || !emoji.isEmpty ? emoji : nil
    }

    /// The `<body xmlns='http://www.w3.org/1999/xhtml'>` holding `markup`; markup that is not
    /// well-formed XHTML content is carried as text.
    private static func xhtmlBody(_ markup: String) -> XMLElement {
        if let body = try? XMLStreamParser.parseDocument("<body xmlns='\(xhtmlNamespace)'>\(markup)</body>") {
            return body
        }
        return XMLElement(name: "body", namespace: xhtmlNamespace, children: markup.isEmpty ? [] : [.text(markup)])
    }
}

extension XMLElement {
    /// The children serialized in order, as they would appear between this element's tags
    /// when it sits in `inheritedNamespace`.
    func innerXML(inheritedNamespace: String) -> String {
        var bytes: [UInt8] = []
        for child in children {
            switch child {
            case .element(let element): element.serialize(into: &bytes, inheritedNamespace: inheritedNamespace)
            case .text(let text): bytes.append(contentsOf: Self.escapedText(text).utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Character data escaped as the serializer escapes it (`&`, `<`, `>`, CR).
    private static func escapedText(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\r": result += "&#13;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
