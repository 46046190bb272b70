import Foundation
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// Offline storage (RFC 6121 §8.5.2.2, XEP-0160) as one service for c2s clients and for the
/// model (`OfflineMessageStore`): a message that no session took is kept for the user's
/// next login if the account exists and its storage is not full. Messages from other
/// adapters (a remote server, a component) arrive as model messages and are kept as the
/// stanza a client would have sent.
final class OfflineKeeper: OfflineMessageStore {
    let store: OfflineStore
    let codec: XMPPStanzaCodec
    let domain: String
    let accounts: (any AccountStore)?
    /// Tells the user's app servers of each message kept (XEP-0357).
    let push: PushNotifier?

    init(store: OfflineStore, codec: XMPPStanzaCodec, domain: String, accounts: (any AccountStore)?, push: PushNotifier? = nil) {
        self.store = store
        self.codec = codec
        self.domain = domain
        self.accounts = accounts
        self.push = push
    }

    func keep(_ message: Message, for user: Username) async -> OfflineOutcome {
        guard let from = ComponentStanzaCodec.jid(message.from) else { return .failed }
        let to = JID(UserID(user, domain: domain))
        let stanza = codec.element(for: message, from: from.description, to: to.description)
        return await keep(stanza, for: user, stamp: message.timestamp ?? Date())
    }

    /// Keeps `stanza`, already addressed to the user's bare JID; `push` tells the user's
    /// app servers (XEP-0357) unless they heard of it already.
    func keep(_ stanza: XMLElement, for user: Username, stamp: Date, push notifying: Bool = true) async -> OfflineOutcome {
        guard await C2SShared.accountExists(user, in: accounts) else { return .noSuchAccount }
        do {
            try await store.store(stanza, for: user, stamp: stamp, from: domain)
            if notifying { await push?.notify(user, sender: stanza[attribute: "from"].flatMap(JID.init)) }
            return .kept
        } catch is OfflineStore.Full {
            return .full
        } catch {
            return .failed
        }
    }
}
