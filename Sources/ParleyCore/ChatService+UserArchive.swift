import Foundation

/// Users' archives of their one-to-one conversations (XEP-0313 for accounts): the model
/// appends each archivable message to the sender's archive as a session sends it and to
/// the recipient's as it is delivered or kept offline, under one id it mints (XEP-0359).
extension ChatService {
    /// Archives the one-to-one messages of every local user from now on (the xmpp-c2s
    /// plugin attaches its `storage/user-archive/`).
    public func attachUserArchive(_ archive: any UserArchive) {
        userArchiveSlot.withLock { $0 = archive }
    }

    /// The attached users' archive, if any.
    public var userArchive: (any UserArchive)? { userArchiveSlot.withLock { $0 } }

    /// Whether `owner`'s archive keeps `message`, exchanged with `peer` (its kind and hints,
    /// then the owner's preferences, XEP-0313 §6.1).
    /// Runs on the caller's executor (a routed message's path): only the `roster` default
    /// reads the contact list.
    nonisolated(nonsending) func archives(_ message: Message, owner: Username, peer: UserID) async -> (any UserArchive)? {
        guard message.isArchivable, let archive = userArchive else { return nil }
        let keeps: Bool
        if let decided = archive.preferences(of: owner).keeps(peer) {
            keeps = decided
        } else {
            keeps = (try? await contacts.contactList(of: owner))?[peer] != nil
        }
        return keeps ? archive : nil
    }

    /// Appends `message` (with its `archiveID`) to `owner`'s archive, the other side being `peer`.
    func append(_ message: Message, to archive: any UserArchive, owner: Username, peer: Address) {
        archive.append(ArchivedMessage(message: message, sender: message.from.user, peer: peer), for: owner)
    }

    /// The archive id a message for local `user` will carry when the user's archive keeps
    /// it (minted now, or the one it has); nil when it is not archived. An adapter that
    /// keeps a message offline itself stamps it with this before it stores it.
    nonisolated(nonsending) public func incomingArchiveID(for message: Message, user: Username) async -> String? {
        guard let peer = message.from.user, await archives(message, owner: user, peer: peer) != nil else { return nil }
        return message.archiveID ?? MessageID.mint()
    }

    /// Appends a message that was kept offline for `user` to the user's archive, when it
    /// carries the id `incomingArchiveID` gave it.
    public func archiveKeptOffline(_ message: Message, user: Username) {
        guard message.archiveID != nil, message.from.user != nil, let archive = userArchive else { return }
        append(message, to: archive, owner: user, peer: message.from)
    }
}
