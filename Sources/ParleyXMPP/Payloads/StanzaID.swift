import ParleyXML

/// XEP-0359 `<stanza-id xmlns='urn:xmpp:sid:0' id by/>`: the id an archiving entity (the
/// recipient's account, a room) gave a message.
public enum StanzaID {
    /// §3: the element for `id`, given by `by` (a bare JID).
    public static func element(id: String, by: String) -> XMLElement {
        XMLElement(
            name: "stanza-id", namespace: XMPPNamespace.stanzaID,
            attributes: [XMLAttribute("id", value: id), XMLAttribute("by", value: by)])
    }

    /// Whether `element` is a stanza-id.
    public static func isStanzaID(_ element: XMLElement) -> Bool {
        element.name == "stanza-id" && element.namespace == XMPPNamespace.stanzaID
    }

    /// Whether `element` is a stanza-id claiming to be given by `archive` (a bare JID),
    /// which only that archive's server may add (§5).
    public static func isStanzaID(_ element: XMLElement, by archive: JID) -> Bool {
        // Compared as JIDs, so that a differently cased or prepared `by` is caught too.
        isStanzaID(element) && element[attribute: "by"].flatMap(JID.init)?.bare == archive.bare
    }
}
