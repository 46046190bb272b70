import Foundation
import NIOCore
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// XEP-0198 stream management on a client connection: enabling (§3), acknowledgements
/// (§4), hibernation when the transport goes and resumption on a new one (§5), and the
/// unacknowledged stanzas of a session that ends: messages go to offline storage.
extension C2SConnection {
    /// What a resuming connection takes over from the one that held the session.
    struct HandedOver: Sendable {
        let session: ChatSession
        let mind: C2SMind
        let login: Login<ChatAccount>
        let handled: UInt32
        let sentInitialPresence: Bool
    }

    // MARK: On the bound stream

    /// `<enable/>`, `<r/>` and `<a/>` (the machine checked the namespace).
    func streamManagement(_ element: XMLElement) async {
        guard let mind, let session else { return }
        switch element.name {
        case "enable":
            // §3: at most once per session.
            guard handledCount == nil else {
                writeControl(StreamManagementElements.failed(.unexpectedRequest))
                return
            }
            let wantsResumption = ["true", "1"].contains(element[attribute: "resume"] ?? "") && settings.resumeTimeout > 0
            let id = wantsResumption ? MessageID.mint() : nil
            handledCount = 0
            if let id { shared.resumptions.register(id, connection: self, user: session.user) }
            var enabled = transport.allocator.buffer(capacity: 96)
            enabled.writeXML(
                StreamManagementElements.enabled(id: id, maxSeconds: id == nil ? nil : settings.resumeTimeout),
                inheritedNamespace: XMPPNamespace.client)
            lastWrite = .now()
            mind.enableStreamManagement(C2SStreamManagement(resumeID: id), enabled: enabled)
        case "r":
            guard let handledCount else { return writeControl(StreamManagementElements.failed(.unexpectedRequest)) }
            writeControl(StreamManagementElements.ack(handledCount))
        case "a":
            guard handledCount != nil, let h = StreamManagementElements.h(of: element) else {
                return writeControl(StreamManagementElements.failed(.badRequest))
            }
            let outcome = mind.acknowledge(h)
            // §4: more acknowledged than was sent.
            if !outcome.ok { closeStream(error: StreamManagementElements.handledCountTooHigh(h: h, sent: outcome.sent)) }
        default:
            closeStream(error: StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>"))
        }
    }

    /// Writes a stream management element, which is not a stanza and is not counted.
    func writeControl(_ element: XMLElement) {
        var buffer = transport.allocator.buffer(capacity: 64)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.client)
        writeRaw(buffer)
    }

    /// The resumption id of this connection's session, when it can be resumed.
    var resumptionID: String? {
        mind?.withStreamManagement { $0?.resumeID }
    }

    // MARK: Hibernation (§5)

    /// The transport went without the stream's closing: a resumable session waits for its
    /// client instead of ending. True when it does.
    func hibernate() -> Bool {
        guard session != nil, let mind else { return false }
        let resumable = mind.withStreamManagement { managed -> Bool in
            guard managed?.resumeID != nil else { return false }
            managed!.hibernating = true
            return true
        }
        guard resumable else { return false }
        hibernatingSince = .now()
        log(.info, "waiting for the client to resume", ["timeout": "\(settings.resumeTimeout)"])
        return true
    }

    /// From the sweep: a hibernating session whose time is up, or whose queue overflowed, ends.
    func expireHibernation(now: NIODeadline) async {
        guard let since = hibernatingSince, let mind else { return }
        let overflowed = mind.withStreamManagement { $0?.overflowed ?? false }
        guard overflowed || now - since > .seconds(Int64(settings.resumeTimeout)) else { return }
        hibernatingSince = nil
        if let id = resumptionID { shared.resumptions.remove(id, ifHeldBy: self) }
        log(.info, overflowed ? "too much waited for the client: session ended" : "no resumption in time: session ended")
        await endSession()
        shared.connections.forget(self)
    }

    /// Gives the session up to a connection that resumes it: this one forgets it, and its
    /// stream, if still open, ends with conflict (§5).
    func handOver() -> HandedOver? {
        guard let session, let mind, let login, let handledCount, !session.isClosed,
            mind.withStreamManagement({ $0?.waitsForResumption ?? false })
        else { return nil }
        self.session = nil
        self.mind = nil
        self.login = nil
        self.handledCount = nil
        let wasHibernating = hibernatingSince != nil
        hibernatingSince = nil
        if wasHibernating {
            shared.connections.forget(self)
        } else {
            closeStream(error: StreamError(.conflict, text: "the session was resumed on another connection"))
        }
        return HandedOver(
            session: session, mind: mind, login: login, handled: handledCount, sentInitialPresence: sentInitialPresence)
    }

    // MARK: Resumption on this connection (§5)

    /// `<resume previd h/>` after authentication.
    func resume(_ element: XMLElement) async {
        let failed = { (condition: StanzaError.Condition) async in
            await self.execute(self.stream.receiveResume(.failed(reply: StreamManagementElements.failed(condition))))
        }
        guard let previd = element[attribute: "previd"], let h = StreamManagementElements.h(of: element), let login,
            let holder = shared.resumptions.take(previd, for: login.avatar.user)
        else { return await failed(.itemNotFound) }
        guard let taken = await holder.handOver() else { return await failed(.itemNotFound) }
        let acknowledged = taken.mind.acknowledge(h)
        guard acknowledged.ok else {
            // §4: the client claims more than was sent; the session cannot continue.
            let error = StreamManagementElements.handledCountTooHigh(h: h, sent: acknowledged.sent)
            session = taken.session
            mind = taken.mind
            handledCount = taken.handled  // so that its unacknowledged messages are kept offline
            closeStream(error: error)
            await endSession()
            await taken.login.logout()
            return
        }
        resuming = taken
        await execute(stream.receiveResume(.resumed(JID(taken.session.id))))
    }

    /// `.acceptResumption`: the session is this connection's; `<resumed/>`, then the stanzas
    /// the client missed.
    func acceptResumption() async {
        guard let taken = resuming else { return }
        resuming = nil
        // The model may have ended the session meanwhile (a new login took its resource).
        guard !taken.session.isClosed else {
            closeStream(error: StreamError(.undefinedCondition, text: "the session ended while it was resumed"))
            await taken.login.logout()
            return
        }
        let fresh = login
        login = taken.login
        session = taken.session
        mind = taken.mind
        handledCount = taken.handled
        sentInitialPresence = taken.sentInitialPresence
        var resumed = transport.allocator.buffer(capacity: 96)
        let id = taken.mind.withStreamManagement { $0?.resumeID } ?? ""
        resumed.writeXML(StreamManagementElements.resumed(previd: id, h: taken.handled), inheritedNamespace: XMPPNamespace.client)
        lastWrite = .now()
        taken.mind.resume(
            on: transport, coalescer: shared.connections.coalescer(for: transport.eventLoop), connection: self, resumed: resumed)
        shared.resumptions.register(id, connection: self, user: taken.session.user)
        log(.info, "session resumed")
        // The session keeps the login it was opened with; this stream's own is not needed.
        await fresh?.logout()
    }

    // MARK: Ending with stanzas unacknowledged (§4)

    /// The messages sent to a session that ends and that its client never acknowledged
    /// are kept as offline messages (with their stanza-ids), so that none is lost.
    func keepUnacknowledged(of mind: C2SMind, user: Username) async {
        let pending = mind.endStreamManagement()
        guard !pending.isEmpty else { return }
        var kept = 0
        for buffer in pending {
            guard let message = UnacknowledgedStanza.offlineMessage(buffer, bareJID: JID(UserID(user, domain: domain)).description)
            else { continue }
            // The app servers heard of these when they came for the waiting session.
            if await shared.offlineKeeper.keep(message, for: user, stamp: Date(), push: false) == .kept { kept += 1 }
        }
        log(.info, "unacknowledged messages kept offline", ["kept": "\(kept)", "unacknowledged": "\(pending.count)"])
    }
}

extension C2SConnection {
    /// XEP-0352 §5: `<inactive/>` and `<active/>` set what the session's outbox holds
    /// (`C2SOutbox` says the policy).
    func clientState(_ element: XMLElement) {
        switch element.name {
        case "inactive": mind?.setClientInactive(true)
        case "active": mind?.setClientInactive(false)
        default: closeStream(error: StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>"))
        }
    }
}
