import ParleyCore
import ParleyXMPP
import Testing

@testable import ParleyMUC

/// The `muc#roomconfig` form ↔ `RoomConfiguration` (XEP-0045 §10.2, §15.5.3).
@Suite struct RoomConfigurationFormTests {
    func submitted(_ fields: [(String, [String])]) -> DataForm {
        DataForm(
            type: .submit, formType: MUCNamespace.roomConfig,
            fields: fields.map { DataFormField(variable: $0.0, values: $0.1) })
    }

    @Test func theOfferedFormReadsBackToTheSameConfiguration() throws {
        var configuration = RoomConfiguration()
        configuration.persistent = true
        configuration.hidden = true
        configuration.password = "pw"
        configuration.maxOccupants = 50
        configuration.topicRestricted = false
        configuration.historyLength = 7
        configuration.name = "Dev"
        configuration.description = "About dev"
        var offered = RoomConfigurationForm.form(for: configuration, room: "dev@conference.example.org")
        offered.type = .submit
        #expect(try RoomConfigurationForm.configuration(from: offered, current: RoomConfiguration()) == configuration)
    }

    @Test func anEmptyFormKeepsTheCurrentConfiguration() throws {
        var current = RoomConfiguration()
        current.moderated = true
        #expect(try RoomConfigurationForm.configuration(from: DataForm(type: .submit), current: current) == current)
    }

    @Test func passwordsFollowTheProtectedFlag() throws {
        var current = RoomConfiguration()
        current.password = "old"
        let off = try RoomConfigurationForm.configuration(
            from: submitted([("muc#roomconfig_passwordprotectedroom", ["0"]), ("muc#roomconfig_roomsecret", ["x"])]),
            current: current)
        #expect(off.password == nil)
        #expect(throws: StanzaError.self) {
            try RoomConfigurationForm.configuration(
                from: submitted([("muc#roomconfig_passwordprotectedroom", ["1"]), ("muc#roomconfig_roomsecret", [""])]),
                current: RoomConfiguration())
        }
    }

    @Test(arguments: [
        ("muc#roomconfig_nonsense", "1", StanzaError.Condition.badRequest),
        ("muc#roomconfig_persistentroom", "yes", .badRequest),
        ("muc#roomconfig_maxusers", "-3", .badRequest),
        ("muc#maxhistoryfetch", "501", .badRequest),
        ("muc#roomconfig_roomowners", "a@example.org", .badRequest),
        ("muc#roomconfig_whois", "moderators", .notAcceptable),
    ])
    func refusalsNameTheField(field: String, value: String, condition: StanzaError.Condition) {
        do {
            _ = try RoomConfigurationForm.configuration(from: submitted([(field, [value])]), current: RoomConfiguration())
            Issue.record("\(field)=\(value) was accepted")
        } catch {
            #expect(error.condition == condition)
            #expect(error.text?.contains(field) == true)
        }
    }

    @Test func registryFieldsWithoutAModelSettingAreAcceptedAndIgnored() throws {
        let form = submitted([("muc#roomconfig_allowinvites", ["1"]), ("muc#roomconfig_enablelogging", ["0"])])
        #expect(try RoomConfigurationForm.configuration(from: form, current: RoomConfiguration()) == RoomConfiguration())
    }

    @Test func aFormOfAnotherTypeIsRefused() {
        let other = DataForm(type: .submit, formType: "urn:example:other", fields: [])
        #expect(throws: StanzaError.self) { try RoomConfigurationForm.configuration(from: other, current: RoomConfiguration()) }
    }
}
