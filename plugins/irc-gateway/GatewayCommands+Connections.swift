import ParleyCore
import ParleyXML
import ParleyXMPP

/// biboumi's commands about a user's IRC connections (XEP-0050), with its node names:
/// `get-irc-connection-info` on a network's JID (one stage: a note saying whether and how
/// the user is connected, and which resource is in which channel) and
/// `disconnect-from-irc-servers` on the gateway's JID (a form listing the user's networks
/// and a quit message, then QUIT on each chosen one, the rooms told with 332).
extension GatewayCommands {
    static let connectionInfo = "get-irc-connection-info"
    static let disconnect = "disconnect-from-irc-servers"
    /// The disconnect form's fields.
    static let serversField = "irc-servers"
    static let quitField = "quit-message"
    static let defaultQuitMessage = "Disconnected by user"

    /// The commands on the gateway's own JID (XEP-0050 §2.2).
    static func gatewayItems(of jid: JID) -> DiscoItems {
        DiscoItems(node: namespace, items: [DiscoItems.Item(jid: jid, node: disconnect, name: "Disconnect from IRC servers")])
    }

    /// What a `disconnect-from-irc-servers` command asks for.
    enum DisconnectStage: Equatable {
        /// Show the form (with the user's networks).
        case form
        /// Disconnect from these networks with this quit message.
        case submitted(session: String, networks: [String], quitMessage: String)
        case canceled(session: String)
    }

    /// The stage of a `disconnect-from-irc-servers` command, or why it is refused.
    static func disconnectStage(_ command: XMLElement, kind: Query.Kind) -> Result<DisconnectStage, StanzaError> {
        let invocation: Invocation
        do { invocation = try Invocation.read(command, kind: kind) } catch { return .failure(error) }
        let (session, form) = (invocation.session, invocation.form)
        switch invocation.action {
        case "cancel":
            return .success(.canceled(session: session ?? newSession()))
        case "execute", "complete", "next":
            guard let form, form.type == .submit, let session else { return .success(.form) }
            let networks = form[serversField]?.submittedValues ?? []
            let quit = form[quitField]?.submittedValues.first ?? defaultQuitMessage
            // The quit message becomes one IRC parameter: one line, bounded.
            let line = String(quit.filter { !$0.isNewline && $0 != "\0" }.prefix(300))
            return .success(.submitted(session: session, networks: networks, quitMessage: line))
        default:
            return .failure(StanzaError(.badRequest, text: "unknown action"))
        }
    }

    /// The first stage of `disconnect-from-irc-servers`: the form, every network of the
    /// user's chosen.
    static func disconnectForm(networks: [String]) -> XMLElement {
        var response = response(node: disconnect, session: newSession(), status: "executing")
        var actions = XMLElement(name: "actions", namespace: namespace, attributes: [XMLAttribute("execute", value: "complete")])
        actions.append(XMLElement(name: "complete", namespace: namespace))
        response.append(actions)
        let form = DataForm(
            type: .form, title: "Disconnect from IRC servers",
            instructions: ["Choose the IRC servers to disconnect from"],
            fields: [
                DataFormField(
                    variable: serversField, type: .listMulti, label: "IRC servers to disconnect from", values: networks,
                    options: networks.map { DataFormOption(value: $0) }),
                DataFormField(variable: quitField, type: .textSingle, label: "Quit message", values: [defaultQuitMessage]),
            ])
        response.append(form.element)
        return response
    }
}
