import ParleyCore
import ParleyXMPP

/// The owner's room configuration form (XEP-0045 §10.2, fields of the `muc#roomconfig`
/// registry §15.5.3) ↔ the model's `RoomConfiguration`, the same settings IRC channel
/// modes change: each field the model holds is offered and read back; a submitted field
/// outside the registry, or a value the model cannot hold, is refused with an error that
/// names the field.
public enum RoomConfigurationForm {
    /// The form an owner is sent (`muc#owner` get), filled with the current settings.
    public static func form(for configuration: RoomConfiguration, room: String) -> DataForm {
        DataForm(
            type: .form, formType: MUCNamespace.roomConfig, title: "Configuration of \(room)",
            instructions: ["Fill in and submit to change the room's configuration."],
            fields: [
                field(Field.name, .textSingle, "Room name", configuration.name ?? ""),
                field(Field.description, .textSingle, "Room description", configuration.description ?? ""),
                field(Field.persistent, .boolean, "Keep the room when the last occupant leaves", configuration.persistent),
                field(Field.publicRoom, .boolean, "List the room publicly", !configuration.hidden),
                field(Field.membersOnly, .boolean, "Only members may enter", configuration.membersOnly),
                field(Field.moderated, .boolean, "Only participants with voice may speak", configuration.moderated),
                field(Field.changeSubject, .boolean, "Occupants may change the subject", !configuration.topicRestricted),
                field(Field.passwordProtected, .boolean, "A password is needed to enter", configuration.password != nil),
                field(Field.secret, .textPrivate, "Password", configuration.password ?? ""),
                DataFormField(
                    variable: Field.maxUsers, type: .listSingle, label: "Most occupants",
                    values: [configuration.maxOccupants.map(String.init) ?? "none"],
                    options: (["none"] + ["10", "20", "30", "50", "100", "500", "1000"]).map { DataFormOption(value: $0) }),
                DataFormField(
                    variable: Field.whois, type: .listSingle, label: "Who may see occupants' real addresses",
                    values: ["anyone"], options: [DataFormOption(label: "Anyone", value: "anyone")]),
                field(
                    Field.maxHistory, .textSingle, "Most history messages sent on entry (0–\(RoomConfiguration.maximumHistory))",
                    String(configuration.historyLength)),
            ])
    }

    /// The configuration `form` asks for, starting from `current`. An empty form keeps
    /// `current` (an instant room, §10.1.2).
    public static func configuration(from form: DataForm, current: RoomConfiguration) throws(StanzaError) -> RoomConfiguration {
        guard form.type == .submit else { throw StanzaError(.badRequest, text: "the configuration form must be submitted") }
        if let formType = form.formType, formType != MUCNamespace.roomConfig {
            throw StanzaError(.badRequest, text: "FORM_TYPE must be \(MUCNamespace.roomConfig), not '\(formType.prefix(100))'")
        }
        var configuration = current
        var secret: String?? = .none
        var protected: Bool?
        for field in form.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable else { continue }
            let value = field.values.first ?? ""
            switch variable {
            case Field.name: configuration.name = try text(value, of: variable)
            case Field.description: configuration.description = try text(value, of: variable)
            case Field.persistent: configuration.persistent = try bool(field, variable)
            case Field.publicRoom: configuration.hidden = try !bool(field, variable)
            case Field.membersOnly: configuration.membersOnly = try bool(field, variable)
            case Field.moderated: configuration.moderated = try bool(field, variable)
            case Field.changeSubject: configuration.topicRestricted = try !bool(field, variable)
            case Field.passwordProtected: protected = try bool(field, variable)
            case Field.secret: secret = .some(try text(value, of: variable))
            case Field.maxUsers:
                if value == "none" || value == "0" || value.isEmpty {
                    configuration.maxOccupants = nil
                } else {
                    guard let number = Int(value), number > 0 else { throw bad(variable, "'\(value.prefix(20))' is not a number of occupants or 'none'") }
                    configuration.maxOccupants = number
                }
            case Field.whois:
                // Parley's rooms are non-anonymous: every occupant sees real addresses.
                guard value == "anyone" else {
                    throw StanzaError(.notAcceptable, text: "\(variable): only 'anyone' (rooms here are non-anonymous)")
                }
            case Field.maxHistory:
                guard let number = Int(value), (0...RoomConfiguration.maximumHistory).contains(number) else {
                    throw bad(variable, "a number from 0 to \(RoomConfiguration.maximumHistory)")
                }
                configuration.historyLength = number
            case _ where Field.ownersOrAdmins.contains(variable):
                throw bad(variable, "owners and admins are set with muc#admin and muc#owner items")
            case _ where Field.notHeld.contains(variable):
                // COMPAT: clients that create groups (Conversations, Gajim) submit registry
                // fields Parley does not hold; they are accepted and have no effect.
                continue
            default:
                throw bad(variable, "unknown field")
            }
        }
        // §10.2: a password protects the room only when the owner says so.
        switch (protected, secret) {
        case (true?, .some(let text)):
            guard let text else { throw bad(Field.secret, "a password-protected room needs a password") }
            configuration.password = text
        case (true?, .none):
            guard configuration.password != nil else { throw bad(Field.secret, "a password-protected room needs a password") }
        case (false?, _): configuration.password = nil
        case (nil, .some(let text)): configuration.password = text
        case (nil, .none): break
        }
        return configuration
    }

    /// The variables of the fields, as the registry names them (§15.5.3).
    enum Field {
        static let name = "muc#roomconfig_roomname"
        static let description = "muc#roomconfig_roomdesc"
        static let persistent = "muc#roomconfig_persistentroom"
        static let publicRoom = "muc#roomconfig_publicroom"
        static let membersOnly = "muc#roomconfig_membersonly"
        static let moderated = "muc#roomconfig_moderatedroom"
        static let changeSubject = "muc#roomconfig_changesubject"
        static let passwordProtected = "muc#roomconfig_passwordprotectedroom"
        static let secret = "muc#roomconfig_roomsecret"
        static let maxUsers = "muc#roomconfig_maxusers"
        static let whois = "muc#roomconfig_whois"
        static let maxHistory = "muc#maxhistoryfetch"
        static let ownersOrAdmins: Set = ["muc#roomconfig_roomowners", "muc#roomconfig_roomadmins"]
        /// Registry fields for settings the model does not have.
        static let notHeld: Set = [
            "muc#roomconfig_allowinvites", "muc#roomconfig_allowpm", "muc#roomconfig_enablelogging",
            "muc#roomconfig_getmemberlist", "muc#roomconfig_lang", "muc#roomconfig_pubsub",
            "muc#roomconfig_presencebroadcast", "muc#roomconfig_canchangenick", "muc#roomconfig_registration",
            "muc#roomconfig_allowvoicerequests", "muc#roomconfig_voicerequestmininterval",
            "muc#roomconfig_captcha_whitelist",
        ]
    }

    /// Longest room name, description or password.
    static let maximumTextLength = 1024

    private static func field(_ variable: String, _ type: DataFormFieldType, _ label: String, _ value: String) -> DataFormField {
        DataFormField(variable: variable, type: type, label: label, values: [value])
    }

    private static func field(_ variable: String, _ type: DataFormFieldType, _ label: String, _ value: Bool) -> DataFormField {
        DataFormField(variable: variable, type: type, label: label, values: [value ? "1" : "0"])
    }

    /// XEP-0004 §3.3: a boolean is `0`, `1`, `false` or `true`; an absent value is false.
    private static func bool(_ field: DataFormField, _ variable: String) throws(StanzaError) -> Bool {
        switch field.values.first {
        case "1", "true": return true
        case "0", "false", nil: return false
        case let other?: throw bad(variable, "'\(other.prefix(20))' is not a boolean")
        }
    }

    /// Free text; empty means unset.
    private static func text(_ value: String, of variable: String) throws(StanzaError) -> String? {
        guard value.utf8.count <= maximumTextLength else { throw bad(variable, "longer than \(maximumTextLength) bytes") }
        return value.isEmpty ? nil : value
    }

    private static func bad(_ variable: String, _ why: String) -> StanzaError {
        StanzaError(.badRequest, text: "\(variable): \(why)")
    }
}
