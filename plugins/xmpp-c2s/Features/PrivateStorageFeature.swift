import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0049 private XML storage: an account keeps one element per namespace (§2.1) that
/// only it reads. With PEP on, the legacy bookmarks (`storage:bookmarks`, XEP-0048) are the
/// PEP node of that name instead (XEP-0411 §3): what a legacy client stores here a PEP
/// client reads and is notified of, and the other way round.
struct PrivateStorageFeature: C2SFeature {
    static let namespace = "jabber:iq:private"
    static let bookmarksNamespace = "storage:bookmarks"
    /// XEP-0411 §2.
    static let conversionFeature = "urn:xmpp:bookmarks-conversion:0"
    let store: AccountElementStore
    /// The account's PEP service, for the bookmarks (nil without PEP).
    let pep: PEPAccount?

    func register(in hooks: inout C2SHooks) {
        if pep != nil { hooks.advertiseOnAccount(Self.conversionFeature) }
        for type in [IQRequest.Kind.get, .set] {
            hooks.onIQ(type, namespace: Self.namespace) { request, context in
                try await handle(request, owner: context.jid.bare)
            }
            // §2.3: another user's private data is refused.
            hooks.onAccountIQ(type, namespace: Self.namespace) { _, _ in throw StanzaError(.forbidden) }
        }
    }

    private func handle(_ request: IQRequest, owner: JID) async throws -> IQReply {
        try request.checkOwnAccount()
        guard request.child.name == "query", let user = owner.userID.username else { throw StanzaError(.badRequest) }
        // §2.3: exactly one element with its own namespace.
        let children = request.child.elements
        guard children.count == 1, let element = children.first, element.namespace != Self.namespace, !element.namespace.isEmpty
        else {
            throw request.isSet
                ? StanzaError(.notAcceptable, text: "store one element in a namespace of its own")
                : StanzaError(.badRequest, text: "name one element in a namespace of its own")
        }
        var query = XMLElement(name: "query", namespace: Self.namespace)
        if request.isSet {
            try await store(element, of: user, owner: owner)
            return .result(nil)
        }
        query.append(try await read(element, of: user, owner: owner) ?? XMLElement(name: element.name, namespace: element.namespace))
        return .result(query)
    }

    private func store(_ element: XMLElement, of user: Username, owner: JID) async throws {
        if let pep, element.namespace == Self.bookmarksNamespace {
            try await pep.publish(owner: owner, node: Self.bookmarksNamespace, id: "current", payload: element, options: PEPAccount.privateOptions)
            return
        }
        do {
            try await store.store(element, of: user, key: Self.key(element))
        } catch let error as AccountElementStore.TooLarge {
            throw StanzaError(.notAcceptable, text: "private data may be at most \(error.limit) bytes per namespace")
        } catch let error as AccountElementStore.TooMany {
            throw StanzaError(.resourceConstraint, text: "private data is kept for at most \(error.limit) namespaces")
        } catch {
            throw StanzaError(.internalServerError, text: "private data cannot be stored now")
        }
    }

    private func read(_ element: XMLElement, of user: Username, owner: JID) async throws -> XMLElement? {
        if let pep, element.namespace == Self.bookmarksNamespace {
            return await pep.item(owner: owner, node: Self.bookmarksNamespace, id: "current")
        }
        return try? await store.element(of: user, key: Self.key(element))
    }

    /// §2.1: data is keyed by its element's name and namespace.
    static func key(_ element: XMLElement) -> String { "private {\(element.namespace)}\(element.name)" }
}
