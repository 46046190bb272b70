import ParleyCore
import ParleyXML
import ParleyXMPP
import Synchronization

/// XEP-0357 registrations: the app servers (JID and node, with the publish-options the
/// client gave) each account enabled, kept as one element per account
/// (`storage/push/<account>/push.xml`) and cached.
final class PushRegistrations: Sendable {
    struct Registration: Sendable, Equatable {
        let jid: JID
        let node: String
        /// §5: publish-options to send with each notification (the app server's secret).
        let options: XMLElement?
    }

    static let namespace = "urn:xmpp:push:0"
    /// Most app servers one account registers, and accounts whose registrations are cached.
    static let maximumPerAccount = 20
    static let maximumCached = 20_000
    private let store: AccountElementStore
    private let cache = Mutex<[Username: [Registration]]>([:])

    init(store: AccountElementStore) { self.store = store }

    func registrations(of user: Username) async -> [Registration] {
        if let cached = cache.withLock({ $0[user] }) { return cached }
        let stored = (try? await store.element(of: user, key: "push")).map(Self.read) ?? []
        cache.withLock { cache in
            if cache.count >= Self.maximumCached { cache.removeAll(keepingCapacity: true) }
            cache[user] = stored
        }
        return stored
    }

    /// Applies `change` to `user`'s registrations and stores them.
    func update(_ user: Username, _ change: (inout [Registration]) throws(StanzaError) -> Void) async throws {
        var registrations = await registrations(of: user)
        try change(&registrations)
        var root = XMLElement(name: "registrations", namespace: Self.namespace)
        for registration in registrations {
            var enable = XMLElement(
                name: "enable", namespace: Self.namespace,
                attributes: [XMLAttribute("jid", value: registration.jid.description), XMLAttribute("node", value: registration.node)])
            if let options = registration.options { enable.append(options) }
            root.append(enable)
        }
        try await store.store(root, of: user, key: "push")
        cache.withLock { $0[user] = registrations }
    }

    /// Forgets `user`'s registrations (the account was removed).
    func removeAll(of user: Username) {
        store.removeAll(of: user)
        cache.withLock { $0[user] = nil }
    }

    private static func read(_ root: XMLElement) -> [Registration] {
        root.elements.compactMap { enable in
            guard let jid = enable[attribute: "jid"].flatMap(JID.init), let node = enable[attribute: "node"] else { return nil }
            return Registration(jid: jid, node: node, options: enable.elements.first)
        }
    }
}
