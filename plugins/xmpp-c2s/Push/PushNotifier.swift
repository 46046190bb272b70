import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0357 §7: tells an account's app servers that a message came that no active session
/// took (it was kept offline, or its session waits for a resumption). The notification
/// is a pubsub publish from the account's bare JID with the `urn:xmpp:push:summary` form:
/// the message count and the sender; never the body (Parley's privacy policy: the app
/// server is a third party). The app server's answers are not acted on.
struct PushNotifier: Sendable {
    let registrations: PushRegistrations
    let chat: ChatService
    let extensions: XMPPExtensionCodec

    func notify(_ user: Username, sender: JID?) async {
        let registered = await registrations.registrations(of: user)
        guard !registered.isEmpty else { return }
        let owner = UserID(user, domain: chat.domain)
        for registration in registered {
            let query = Query(
                id: "push-\(MessageID.mint().prefix(12))", kind: .set, from: .user(owner),
                to: SessionID(user: registration.jid.userID, resource: registration.jid.resource ?? ""),
                payloads: extensions.payloads(from: [Self.publish(registration, sender: sender)]))
            try? await chat.deliver(query)
        }
    }

    /// §7: `<pubsub><publish node><item><notification><x/></notification></item></publish><publish-options/></pubsub>`.
    static func publish(_ registration: PushRegistrations.Registration, sender: JID?) -> XMLElement {
        var form = XMLElement(name: "x", namespace: XMPPNamespace.dataForms, attributes: [XMLAttribute("type", value: "submit")])
        func field(_ name: String, _ value: String) {
            var field = XMLElement(name: "field", namespace: XMPPNamespace.dataForms, attributes: [XMLAttribute("var", value: name)])
            field.append(text: value, in: "value", namespace: XMPPNamespace.dataForms)
            form.append(field)
        }
        field("FORM_TYPE", "urn:xmpp:push:summary")
        field("message-count", "1")
        if let sender { field("last-message-sender", sender.bare.description) }
        var notification = XMLElement(name: "notification", namespace: PushRegistrations.namespace)
        notification.append(form)
        var item = XMLElement(name: "item", namespace: "http://jabber.org/protocol/pubsub")
        item.append(notification)
        var publish = XMLElement(
            name: "publish", namespace: "http://jabber.org/protocol/pubsub", attributes: [XMLAttribute("node", value: registration.node)])
        publish.append(item)
        var pubsub = XMLElement(name: "pubsub", namespace: "http://jabber.org/protocol/pubsub")
        pubsub.append(publish)
        if let options = registration.options {
            var publishOptions = XMLElement(name: "publish-options", namespace: "http://jabber.org/protocol/pubsub")
            publishOptions.append(options)
            pubsub.append(publishOptions)
        }
        return pubsub
    }
}
