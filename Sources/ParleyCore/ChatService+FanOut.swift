/// One message to many addresses, rendered once per adapter and executor instead of once
/// per recipient: what a room does for its occupants (`FanOut`), for senders that are not
/// rooms (a publish-subscribe node's subscribers, XEP-0060 §4.3).
extension ChatService {
    /// Delivers `message` to each of `targets` (its `to` set to each in turn), like
    /// `deliver(_:)` for each but in one pass per home executor: the local users' homes on
    /// one executor are entered in one job there, with one `FanOut` shared by their
    /// sessions' minds. Other addresses (components, users without a session) are routed
    /// one by one. Undeliverable copies are dropped, as posted traffic is.
    nonisolated(nonsending) public func deliver(_ message: Message, toEach targets: [Address]) async {
        await deliver([(message, targets)])
    }

    /// Several fan-outs in order, each executor's share of all of them in one job: a
    /// session that gets several of the messages gets them in one write.
    nonisolated(nonsending) public func deliver(_ fanOuts: [(message: Message, targets: [Address])]) async {
        var lanes: [ObjectIdentifier: FanOutLane.Work] = [:]
        var elsewhere: [(Int, Address)] = []
        for (index, fanOut) in fanOuts.enumerated() {
            for target in fanOut.targets {
                // XEP-0191: nothing passes between a user and an address it blocks (a PEP
                // event to or from a blocked contact).
                if await blockingError(from: fanOut.message.from, to: target) != nil { continue }
                guard let user = target.user, user.domain == domain, let home = users[user] else {
                    elsewhere.append((index, target))
                    continue
                }
                lanes[ObjectIdentifier(home.home), default: FanOutLane.Work(executor: home.home)].add(home, target, index)
            }
        }
        let messages = fanOuts.map(\.message)
        for work in lanes.values {
            await FanOutLane(executor: work.executor).deliver(messages, work)
        }
        for (index, target) in elsewhere {
            var copy = messages[index]
            copy.to = target
            try? await route(copy)
        }
    }
}

/// One home executor's share of a fan-out: an actor on that executor, so that every home
/// living there is entered without a hop and one `FanOut` serves all their sessions.
actor FanOutLane {
    nonisolated let executor: any SerialExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(executor: any SerialExecutor) {
        self.executor = executor
    }

    /// What one executor delivers: the homes and addresses of each message, by its index.
    struct Work: Sendable {
        let executor: any SerialExecutor
        var items: [(home: UserHome, target: Address, message: Int)] = []

        init(executor: any SerialExecutor) {
            self.executor = executor
        }

        mutating func add(_ home: UserHome, _ target: Address, _ message: Int) {
            items.append((home, target, message))
        }
    }

    /// Each message to its addresses here, in order, with one `FanOut` per message.
    func deliver(_ messages: [Message], _ work: Work) {
        var index = work.items.startIndex
        while index < work.items.endIndex {
            let current = work.items[index].message
            var end = index
            while end < work.items.endIndex, work.items[end].message == current { end += 1 }
            deliver(messages[current], to: work.items[index..<end].map { ($0.home, $0.target) })
            index = end
        }
    }

    /// RFC 6121 §8.5: a full JID gets its session's copy (chat and normal fall back to the
    /// user when that session is gone, §8.5.3.2.1); a bare JID the user's routing rules.
    private func deliver(_ message: Message, to items: [(UserHome, Address)]) {
        let fanOut = FanOut()
        for (home, target) in items {
            var copy = message
            copy.to = target
            home.assumeIsolated { home in
                guard case .session(let session) = target else {
                    _ = home.deliverToUser(copy, fanOut: fanOut)
                    return
                }
                if home.deliver(.message(copy), toResource: session.resource, fanOut: fanOut) == nil,
                    copy.kind == .chat || copy.kind == .normal
                {
                    _ = home.deliverToUser(copy, fanOut: fanOut)
                }
            }
        }
        fanOut.finish()
    }
}
