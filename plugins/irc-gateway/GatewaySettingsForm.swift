import ParleyXMPP

/// Settings a user edits with the `configure` ad-hoc command and the gateway stores:
/// a network's (`NetworkSettings`) or a channel's (`ChannelSettings`).
protocol GatewaySettingsForm: Equatable, Sendable {
    /// Empty: every value unset.
    init()
    /// Read back from a stored record.
    init(record: [String: String])
    /// The stored record (`[a-z0-9-]+` keys).
    var record: [String: String] { get }
    /// The XEP-0004 form with the current values; `target` names what is configured.
    func form(target: String) -> DataForm
    /// The settings a submitted form gives over these; an unknown field or a bad value is
    /// refused by name.
    func applying(_ form: DataForm) throws(SettingsFieldError) -> Self
}

/// A bad field in a submitted settings form: XEP-0050 bad-request naming it.
struct SettingsFieldError: Error, Equatable {
    let field: String
    let reason: String
    var text: String { "\(field): \(reason)" }
}

extension DataFormField {
    /// The non-empty values of a submitted field, each line of a text-multi value apart.
    var submittedValues: [String] {
        values.flatMap { $0.split(whereSeparator: \.isNewline).map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A submitted boolean (XEP-0004 §3.3: `1`/`true`, `0`/`false`); nil when empty.
    func submittedBoolean() throws(SettingsFieldError) -> Bool? {
        guard let single = submittedValues.first else { return nil }
        guard ["1", "true", "0", "false"].contains(single) else {
            throw SettingsFieldError(field: variable ?? "", reason: "not a boolean")
        }
        return single == "1" || single == "true"
    }
}

/// What a user configured for one channel with `configure` on the channel's JID
/// (biboumi's channel form).
struct ChannelSettings: GatewaySettingsForm {
    /// Stay in the channel when every resource has left it (bouncer mode).
    var persistent: Bool?

    init() {}

    init(record: [String: String]) {
        persistent = record["persistent"].map { $0 == "true" }
    }

    var record: [String: String] {
        var record: [String: String] = [:]
        record["persistent"] = persistent.map { $0 ? "true" : "false" }
        return record
    }

    func form(target: String) -> DataForm {
        DataForm(
            type: .form, title: "Configure the IRC channel \(target)",
            instructions: ["Edit the form, to configure the settings of the IRC channel \(target)"],
            fields: [
                DataFormField(
                    variable: "persistent", type: .boolean,
                    label: "Persistent: stay in the channel when all your resources have left",
                    values: persistent.map { [$0 ? "true" : "false"] } ?? []),
            ])
    }

    func applying(_ form: DataForm) throws(SettingsFieldError) -> ChannelSettings {
        var next = self
        for field in form.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable else { continue }
            switch variable {
            case "persistent": next.persistent = try field.submittedBoolean()
            default: throw SettingsFieldError(field: variable, reason: "unknown field")
            }
        }
        return next
    }
}
