import ParleyXMPP

/// The `pubsub#node_config` form both ways (XEP-0060 §8.2, §16.4.4).
extension NodeConfiguration {
    /// The field names, as `var`s of the form.
    enum Field {
        static let accessModel = "pubsub#access_model"
        static let rosterGroupsAllowed = "pubsub#roster_groups_allowed"
        static let publishModel = "pubsub#publish_model"
        static let maxItems = "pubsub#max_items"
        static let persistItems = "pubsub#persist_items"
        static let deliverPayloads = "pubsub#deliver_payloads"
        static let notifyRetract = "pubsub#notify_retract"
        static let notifyDelete = "pubsub#notify_delete"
        static let notifyConfig = "pubsub#notify_config"
        static let sendLastPublishedItem = "pubsub#send_last_published_item"
        static let notificationType = "pubsub#notification_type"
        static let title = "pubsub#title"
        /// Accepted with the value `leaf` only: this service has no collection nodes (§4.4).
        static let nodeType = "pubsub#node_type"
    }

    /// §8.2.1: the form an owner fills in, with the current values (type `form`).
    public func form(type: DataForm.FormType = .form, formType: String = PubSubNamespace.nodeConfig) -> DataForm {
        DataForm(type: type, formType: formType, fields: fields)
    }

    /// The fields with the current values, in the order §16.4.4 lists them.
    var fields: [DataFormField] {
        func list<T: RawRepresentable & CaseIterable>(_ variable: String, _ value: T, _ label: String) -> DataFormField
        where T.RawValue == String {
            DataFormField(
                variable: variable, type: .listSingle, label: label, values: [value.rawValue],
                options: T.allCases.map { DataFormOption(value: $0.rawValue) })
        }
        func boolean(_ variable: String, _ value: Bool, _ label: String) -> DataFormField {
            DataFormField(variable: variable, type: .boolean, label: label, values: [value ? "1" : "0"])
        }
        return [
            DataFormField(variable: Field.title, type: .textSingle, label: "A friendly name for the node", values: [title]),
            list(Field.accessModel, accessModel, "Specify the access model"),
            DataFormField(
                variable: Field.rosterGroupsAllowed, type: .listMulti, label: "Roster groups allowed to subscribe",
                values: rosterGroupsAllowed),
            list(Field.publishModel, publishModel, "Specify the publisher model"),
            DataFormField(
                variable: Field.maxItems, type: .textSingle, label: "Max # of items to persist", values: ["\(maxItems)"]),
            boolean(Field.persistItems, persistItems, "Persist items to storage"),
            boolean(Field.deliverPayloads, deliverPayloads, "Deliver payloads with event notifications"),
            boolean(Field.notifyRetract, notifyRetract, "Notify subscribers when items are removed from the node"),
            boolean(Field.notifyDelete, notifyDelete, "Notify subscribers when the node is deleted"),
            boolean(Field.notifyConfig, notifyConfig, "Notify subscribers when the node configuration changes"),
            list(Field.sendLastPublishedItem, sendLastPublishedItem, "When to send the last published item"),
            list(Field.notificationType, notificationType, "Specify the event notification type"),
        ]
    }

    /// §8.2.4, §8.1.3 (create with configure): applies a submitted form; fields left out
    /// keep their values. An unknown field is a bad request; a value out of range or
    /// not among the options is not acceptable. Nothing changes when it throws.
    public mutating func apply(_ form: DataForm, maximumItems: Int) throws(PubSubError) {
        var next = self
        for field in form.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable else { continue }
            try next.set(variable, field.values, maximumItems: maximumItems)
        }
        self = next
    }

    /// §7.1.5: whether every field of a publish-options form matches this configuration;
    /// a field this service does not know cannot match.
    public func satisfies(_ preconditions: DataForm, maximumItems: Int) -> Bool {
        for field in preconditions.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable else { continue }
            var probe = self
            guard (try? probe.set(variable, field.values, maximumItems: maximumItems)) != nil, probe == self else {
                return false
            }
        }
        return true
    }

    private mutating func set(_ variable: String, _ values: [String], maximumItems: Int) throws(PubSubError) {
        func one() throws(PubSubError) -> String {
            guard values.count <= 1 else { throw Self.bad("several values for \(variable)") }
            return values.first ?? ""
        }
        func choice<T: RawRepresentable>(_: T.Type) throws(PubSubError) -> T where T.RawValue == String {
            guard let value = T(rawValue: try one()) else { throw Self.bad("\(variable) cannot be '\(values.first ?? "")'") }
            return value
        }
        func flag() throws(PubSubError) -> Bool {
            switch try one() {
            case "1", "true": return true
            case "0", "false": return false
            default: throw Self.bad("\(variable) is a boolean")
            }
        }
        switch variable {
        case Field.accessModel: accessModel = try choice(AccessModel.self)
        case Field.rosterGroupsAllowed: rosterGroupsAllowed = values
        case Field.publishModel: publishModel = try choice(PublishModel.self)
        case Field.maxItems:
            let text = try one()
            if text == "max" {
                maxItems = maximumItems  // §16.4.4: "max" is the service's maximum
            } else {
                guard let count = Int(text), count >= 1, count <= maximumItems else {
                    throw Self.bad("pubsub#max_items is 1…\(maximumItems) or max")
                }
                maxItems = count
            }
        case Field.persistItems: persistItems = try flag()
        case Field.deliverPayloads: deliverPayloads = try flag()
        case Field.notifyRetract: notifyRetract = try flag()
        case Field.notifyDelete: notifyDelete = try flag()
        case Field.notifyConfig: notifyConfig = try flag()
        case Field.sendLastPublishedItem: sendLastPublishedItem = try choice(SendLastPublishedItem.self)
        case Field.notificationType: notificationType = try choice(NotificationType.self)
        case Field.title:
            let text = try one()
            guard text.utf8.count <= 1024, !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw Self.bad("pubsub#title is one line of at most 1024 bytes")
            }
            title = text
        case Field.nodeType:
            guard try one() == "leaf" else { throw PubSubError.unsupported("collections") }
        default:
            throw PubSubError(.badRequest, text: "unknown field \(variable)")
        }
    }

    private static func bad(_ text: String) -> PubSubError { PubSubError(.notAcceptable, text: text) }
}
