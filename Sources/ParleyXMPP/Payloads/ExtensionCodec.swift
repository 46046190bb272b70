import ParleyCore
import ParleyXML

/// Turns the extension children of a `<message/>` or `<presence/>` into model payloads
/// and back, following the shared `TranslationTable`: an element from an XMPP sender is
/// kept as its native tree (so XMPP-to-XMPP relay is lossless) together with its typed
/// meaning where one is known; a meaning from another protocol is rendered as the XEP
/// element that expresses it.
///
/// Known elements (by the table's XMPP forms): XEP-0359 origin-id, XEP-0461 reply,
/// XEP-0444 reactions, XEP-0308 replace, XEP-0424 retract, XEP-0085 chat states, XEP-0203
/// delay, XEP-0071 html, XEP-0249 invitations (to rooms of `rooms`). A known element that lacks what its meaning needs keeps only its
/// native form; nothing is ever dropped on the way in. Decoding then encoding any list of
/// elements gives back the same elements.
public struct XMPPExtensionCodec: Sendable {
    public let table: TranslationTable
    /// The JIDs of model rooms, for XEP-0249 invitations; nil where no rooms are served.
    public let rooms: RoomJIDMapping?

    public init(table: TranslationTable = .standard, rooms: RoomJIDMapping? = nil) {
        self.table = table
        self.rooms = rooms
    }

    /// The payloads carried by `children` (the non-core child elements of a stanza), one
    /// per element, in order.
    public func payloads(from children: [XMLElement]) -> [ExtensionPayload] {
        children.map(payload(for:))
    }

    /// The payload of one extension element: its native form, keyed `{namespace}name`, and
    /// its meaning when the table knows the key and the element is well-formed for it.
    public func payload(for element: XMLElement) -> ExtensionPayload {
        let key = "{\(element.namespace)}\(element.name)"
        let meaning = table.kind(of: key, in: .xmpp).flatMap {
            ExtensionMeaning(xmppElement: element, kind: $0, rooms: rooms)
        }
        return ExtensionPayload(meaning: meaning, native: NativePayload(family: .xmpp, key: key, value: element))
    }

    /// The elements to append when delivering `payloads` to an XMPP session, following
    /// `table.deliveries(of:to: .xmpp)`: a native XMPP payload is its original element,
    /// unchanged; a meaning from elsewhere is rendered as its XEP element; a drop adds
    /// nothing (the table counts it). An action adds nothing either: it lives in the body
    /// (`encodeAction(body:payloads:)`).
    public func elements(for payloads: [ExtensionPayload]) -> [XMLElement] {
        var result: [XMLElement] = []
        result.reserveCapacity(payloads.count)
        for (payload, delivery) in zip(payloads, table.deliveries(of: payloads, to: .xmpp)) {
            switch delivery {
            case .native(let native):
                if let element = native.value as? XMLElement {
                    result.append(element)
                } else if let meaning = payload.meaning, let element = render(meaning) {
                    // An XMPP-family payload whose value is not a tree (built by hand): its
                    // meaning is the best that can be sent.
                    result.append(element)
                }
            case .render(let meaning, let form):
                if case .xmlElement(let namespace, let name) = form,
                    let element = meaning.xmppElement(namespace: namespace, name: name, rooms: rooms)
                {
                    result.append(element)
                }
            case .drop:
                continue
            }
        }
        return result
    }

    /// The XEP element for `meaning` under this codec's table, nil when XMPP has no element
    /// for it.
    public func render(_ meaning: ExtensionMeaning) -> XMLElement? {
        guard case .xmlElement(let namespace, let name)? = table.rule(for: meaning.kind)?.forms[.xmpp] else {
            return nil
        }
        return meaning.xmppElement(namespace: namespace, name: name, rooms: rooms)
    }
}
