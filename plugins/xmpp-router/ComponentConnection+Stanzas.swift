import NIOCore
import ParleyCore
import ParleyServerNIO
import ParleyXML
import ParleyXMPP

extension ComponentConnection {
    /// One stanza from an authenticated component: checked, then forwarded to another
    /// component of this router or queued for the chat model.
    func stanza(_ element: XMLElement, domain: String) {
        guard element.namespace == XMPPNamespace.component,
            element.name == "message" || element.name == "presence" || element.name == "iq"
        else {
            closeStream(error: StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name.prefix(64))/>"))
            return
        }
        guard gate.admit(now: NIODeadline.now().uptimeNanoseconds) else {
            log(.notice, "component cut off: flood", ["limit": "\(shared.settings.maxStanzasPerSecond)"])
            closeStream(
                error: StreamError(
                    .policyViolation, text: "more than \(shared.settings.maxStanzasPerSecond) stanzas a second"))
            return
        }
        var element = element
        // XEP-0114 §3 asks for both addresses.
        // COMPAT: like Prosody, a stanza without `from` is stamped with the component's
        // domain (the seed's Wokkel echo bot sends `<presence/>` bare), and one without `to`
        // gets a bad-request error rather than the end of the stream.
        if element[attribute: "from"] == nil { element[attribute: "from"] = domain }
        // RFC 6120 §4.9.3.9: a component may only send from its own domain.
        let fromText = element[attribute: "from"] ?? domain
        guard Self.domain(of: fromText).map({ $0 == domain }) ?? false else {
            let claimed = String(fromText.prefix(100))
            log(.notice, "component cut off: spoofed from", ["from": "\(claimed)"])
            closeStream(error: StreamError(.invalidFrom, text: "'\(claimed)' is not on \(domain)"))
            return
        }
        guard let toText = element[attribute: "to"] else {
            reject(element, StanzaError(.badRequest, text: "component stanzas need a 'to'"), replyFrom: shared.chat.domain)
            return
        }
        guard let toDomain = Self.domain(of: toText) else {
            reject(element, StanzaError(.jidMalformed), replyFrom: shared.chat.domain)
            return
        }
        if let destination = route(toDomain) {
            forward(element, to: destination)
        } else {
            toModel(element)
        }
    }

    /// The domain of a JID: found directly in the common case (`DomainPart`), else by
    /// `JID`'s full parse; nil when the text is not a JID.
    static func domain(of jid: String) -> Substring? {
        if let plain = DomainPart.of(jid) { return plain }
        return JID(jid).map { Substring($0.domain) }
    }

    /// The connection of this router serving `domain`, from a one-entry cache that the
    /// route table's version invalidates (a conversation repeats its destination).
    private func route(_ domain: Substring) -> ComponentOutbox? {
        let version = shared.routeVersion
        if let cache = routeCache, cache.version == version, cache.domain == domain { return cache.outbox }
        let outbox = shared.outbox(for: String(domain))
        routeCache = RouteCache(domain: String(domain), outbox: outbox, version: version)
        return outbox
    }

    /// The fast path: another component of this router serves the destination, so the
    /// parsed element goes straight to its outbox (`from` was checked, nothing else
    /// changes), with no model round trip.
    private func forward(_ element: XMLElement, to destination: ComponentOutbox) {
        let origin: BounceOrigin? = Bounce.expectsAnswer(element) ? .component(outbox) : nil
        do {
            try destination.enqueue(element, origin: origin)
        } catch {
            reject(element, StanzaError(.serviceUnavailable, text: "the component is not taking stanzas"), includingOriginal: false)
            return
        }
        guard destination.congested else { return }
        // Backpressure: stop reading this component until the destination drains.
        let id = ObjectIdentifier(destination)
        guard blockedOn.insert(id).inserted else { return }
        updateReading()
        let loop = channel.eventLoop
        destination.notifyWhenDrained(ObjectIdentifier(self)) { [weak self] in
            guard let self else { return }
            loop.execute { self.assumeIsolated { $0.unblock(id) } }
        }
    }

    func unblock(_ id: ObjectIdentifier) {
        guard blockedOn.remove(id) != nil else { return }
        updateReading()
    }

    /// The model path: the stanza becomes model traffic and waits its turn in `inbox`.
    private func toModel(_ element: XMLElement) {
        let traffic: ComponentTraffic?
        do {
            traffic = try shared.codec.traffic(from: element)
        } catch {
            switch error {
            case .stanza(let error): reject(element, error)
            case .stream(let error): closeStream(error: error)
            }
            return
        }
        guard let traffic else { return }
        let start = inbox.push((traffic, element))
        updateReading()
        guard start else { return }
        Task { await self.drain() }
    }

    private func drain() async {
        while let (traffic, element) = inbox.next() {
            updateReading()
            guard let link else {
                inbox.removeAll()
                inbox.finished()
                break
            }
            do {
                try await link.send(traffic)
            } catch {
                if let stanzaError = Bounce.stanzaError(for: error, traffic: traffic) { reject(element, stanzaError) }
            }
        }
    }

    /// Answers `stanza` with `error` on the component's own stream, unless it is itself an
    /// error (RFC 6120 §8.3.1). `replyFrom` replaces a `from` that is not an address.
    func reject(_ stanza: XMLElement, _ error: StanzaError, replyFrom: String? = nil, includingOriginal: Bool = true) {
        guard stanza[attribute: "type"] != "error" else { return }
        var reply = error.reply(to: stanza, includingOriginal: includingOriginal)
        if let replyFrom { reply[attribute: "from"] = replyFrom }
        outbox.enqueueReply(reply)
    }
}
