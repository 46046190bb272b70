import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0050 ad-hoc commands on a network's JID (`irc.example.net@irc.<domain>`) and a
/// channel's (`#chan%irc.example.net@irc.<domain>`): the one biboumi users know,
/// `configure` (`NetworkSettings`, `ChannelSettings`), as a two-step command: `execute`
/// returns the form with the current values, a submission (`complete`, or `execute` with
/// the form) stores it, `cancel` ends it. A network's settings apply from the user's next
/// connection to it; a channel's from the next time every resource has left it.
struct GatewayCommands {
    static let namespace = "http://jabber.org/protocol/commands"
    static let configure = "configure"
    let service: IRCGatewayService

    /// The commands a network's or channel's JID lists (XEP-0050 §2.2: disco#items on the
    /// commands node).
    static func items(of jid: JID, network: Bool) -> DiscoItems {
        var items = [DiscoItems.Item(jid: jid, node: configure, name: "Configure a few settings for that IRC server")]
        if network { items.append(DiscoItems.Item(jid: jid, node: connectionInfo, name: "Get information about your IRC connection")) }
        return DiscoItems(node: namespace, items: items)
    }

    /// The answer to a `<command/>` from `user` to the JID of the settings record `name`
    /// (`IRCGatewayService.settingsName`), whose form names `target`.
    func answer<Settings: GatewaySettingsForm>(
        _ command: XMLElement, kind: Query.Kind, from user: UserID, record name: String, target: String,
        as _: Settings.Type
    ) -> Result<XMLElement, StanzaError> {
        guard command[attribute: "node"] == Self.configure else {
            return .failure(StanzaError(.itemNotFound, text: "no such command"))
        }
        let invocation: Invocation
        do { invocation = try Invocation.read(command, kind: kind) } catch { return .failure(error) }
        let (session, form) = (invocation.session, invocation.form)
        switch invocation.action {
        case "cancel":
            return .success(Self.response(node: Self.configure, session: session ?? Self.newSession(), status: "canceled"))
        case "execute", "complete", "next":
            guard let form, form.type == .submit, session != nil else {
                // §3.4: the first stage, the form to fill in.
                var response = Self.response(node: Self.configure, session: Self.newSession(), status: "executing")
                var actions = XMLElement(name: "actions", namespace: Self.namespace, attributes: [XMLAttribute("execute", value: "complete")])
                actions.append(XMLElement(name: "complete", namespace: Self.namespace))
                response.append(actions)
                response.append(service.settings(name, as: Settings.self).form(target: target).element)
                return .success(response)
            }
            let current = service.settings(name, as: Settings.self)
            let next: Settings
            do {
                next = try current.applying(form)
            } catch {
                return .failure(StanzaError(.badRequest, text: error.text))
            }
            guard let store = service.settingsStore else {
                return .failure(StanzaError(.serviceUnavailable, text: "this gateway keeps no settings"))
            }
            do {
                try store.save(name, next.record)
            } catch {
                service.logger.error("cannot store IRC network settings", metadata: ["user": "\(user)", "error": "\(error)"])
                return .failure(StanzaError(.internalServerError, text: "the settings could not be stored"))
            }
            return .success(Self.completed(node: Self.configure, session: session!, note: "Configuration successfully applied."))
        default:
            return .failure(StanzaError(.badRequest, text: "unknown action"))
        }
    }

    /// What a `<command/>` request carries (XEP-0050 §3): its session, the submitted form,
    /// the action (`execute` when absent).
    struct Invocation {
        let session: String?
        let form: DataForm?
        let action: String

        /// The request read; bad-request when it is not an iq set or its form is malformed.
        static func read(_ command: XMLElement, kind: Query.Kind) throws(StanzaError) -> Invocation {
            guard kind == .set, command.name == "command" else {
                throw StanzaError(.badRequest, text: "commands are executed with an iq set")
            }
            let form: DataForm?
            do {
                form = try DataForm.first(in: command)
            } catch {
                throw StanzaError(.badRequest, text: "malformed form: \(error)")
            }
            return Invocation(
                session: command[attribute: "sessionid"].flatMap { $0.isEmpty ? nil : $0 }, form: form,
                action: command[attribute: "action"] ?? "execute")
        }
    }

    /// A `<command/>` answer (XEP-0050 §3).
    static func response(node: String, session: String, status: String) -> XMLElement {
        XMLElement(
            name: "command", namespace: Self.namespace,
            attributes: [
                XMLAttribute("node", value: node), XMLAttribute("sessionid", value: session),
                XMLAttribute("status", value: status),
            ])
    }

    /// A completed command with an informational note (XEP-0050 §3.4).
    static func completed(node: String, session: String, note: String) -> XMLElement {
        var response = response(node: node, session: session, status: "completed")
        response.append(
            XMLElement(
                name: "note", namespace: namespace, attributes: [XMLAttribute("type", value: "info")], children: [.text(note)]))
        return response
    }

    static func newSession() -> String { MessageID.mint() }
}
