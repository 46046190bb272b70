import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0054 vcard-temp: an account stores its vCard (§3.2) and reads it (§3.1); anyone
/// reads another account's (§3.3) at its bare JID. A vCard larger than `vcard-max-bytes`
/// is refused with not-acceptable and the stored one stays.
struct VCardFeature: C2SFeature {
    static let namespace = "vcard-temp"
    static let key = "vcard"
    let store: AccountElementStore
    /// Whether an account exists (another's vCard is read only for an account).
    let exists: @Sendable (Username) async -> Bool
    /// XEP-0398 through PEP, when PEP is on.
    let avatars: AvatarConversion?

    func register(in hooks: inout C2SHooks) {
        hooks.advertise(Self.namespace)
        if avatars != nil { hooks.advertiseOnAccount(AvatarConversion.feature) }
        hooks.onIQ(.get, namespace: Self.namespace) { request, context in
            try await read(request, owner: context.jid.bare)
        }
        hooks.onAccountIQ(.get, namespace: Self.namespace) { request, _ in
            guard let owner = request.to?.bare else { return nil }
            // RFC 6121 §8.5.2.2.3: no such account.
            guard let user = owner.userID.username, await exists(user) else { throw StanzaError(.serviceUnavailable) }
            return try await read(request, owner: owner)
        }
        hooks.onIQ(.set, namespace: Self.namespace) { request, context in
            try request.checkOwnAccount()
            guard request.child.name == "vCard", let user = context.jid.userID.username else { throw StanzaError(.badRequest) }
            do {
                try await store.store(request.child, of: user, key: Self.key)
                await avatars?.vCardStored(request.child, owner: context.jid.bare)
            } catch let error as AccountElementStore.TooLarge {
                throw StanzaError(.notAcceptable, text: "a vCard may be at most \(error.limit) bytes")
            } catch {
                throw StanzaError(.internalServerError, text: "the vCard cannot be stored now")
            }
            return .result(nil)
        }
    }

    /// §3.1, §3.3: the stored vCard, or an empty one when there is none.
    private func read(_ request: IQRequest, owner: JID) async throws -> IQReply {
        guard request.child.name == "vCard", let user = owner.userID.username else { throw StanzaError(.badRequest) }
        let stored = (try? await store.element(of: user, key: Self.key)) ?? XMLElement(name: "vCard", namespace: Self.namespace)
        guard let avatars else { return .result(stored) }
        return .result(await avatars.withCurrentAvatar(stored, owner: owner))
    }
}
