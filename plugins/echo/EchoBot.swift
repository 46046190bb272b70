import ParleyCore

/// The seed's echo bot, written against the model: every chat or normal message with a
/// body gets `echo: <body>` back, and a user who adds the bot to their contacts gets a
/// subscription and its presence. The same code runs in process and as an external
/// XEP-0114 component: only the `ComponentLink` differs.
public final class EchoBot: ComponentHandler {
    public let protocolFamily = ProtocolFamily.xmpp
    /// Replies leave with `post`: in order, and without waiting, as `deliver` must not wait.
    private let link: any ComponentLink

    public init(link: any ComponentLink) {
        self.link = link
    }

    public func deliver(_ event: ChatEvent, to: Address) throws {
        guard let me = to.user else { return }
        switch event {
        case .message(let message) where message.kind == .chat || message.kind == .normal:
            guard let body = message.body else { return }
            link.post(.message(Message(id: message.id, kind: message.kind, from: to, to: message.from, body: "echo: \(body)")))
        case .subscription(let user, .subscribe):
            // Anyone may see the bot: grant, then show it online.
            link.post(.subscription(.subscribed, from: me, to: user))
            link.post(.presence(Presence(status: "echoing"), from: SessionID(user: me, resource: ""), to: .user(user)))
        case .probe(let user):
            link.post(.presence(Presence(status: "echoing"), from: SessionID(user: me, resource: ""), to: .user(user)))
        case .query(let query) where query.kind.isRequest:
            throw Unsupported()  // a request needs an answer (RFC 6120 §8.2.3): service-unavailable
        default:
            break  // errors, headlines and everything else: never answered, so two bots cannot loop
        }
    }

    /// What the bot throws for a request it does not serve.
    public struct Unsupported: Error {}
}
