import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// The `pubsub#node_config` form both ways (XEP-0060 §16.4.4).
@Suite struct NodeConfigurationFormTests {
    @Test func theFormReadsBackAsTheSameConfiguration() throws {
        var configuration = NodeConfiguration()
        configuration.accessModel = .roster
        configuration.rosterGroupsAllowed = ["Friends", "Family"]
        configuration.publishModel = .subscribers
        configuration.maxItems = 42
        configuration.persistItems = false
        configuration.deliverPayloads = false
        configuration.notifyRetract = false
        configuration.notifyDelete = false
        configuration.notifyConfig = true
        configuration.sendLastPublishedItem = .onSubscribeAndPresence
        configuration.notificationType = .normal
        configuration.title = "Mine"
        var submitted = try DataForm(element: configuration.form().element)
        #expect(submitted.formType == PubSubNamespace.nodeConfig)
        submitted.type = .submit
        var read = NodeConfiguration()
        try read.apply(submitted, maximumItems: 100)
        #expect(read == configuration)
    }

    @Test func maxMeansTheServiceMaximumAndOutOfRangeIsRefused() throws {
        var configuration = NodeConfiguration()
        try configuration.apply(Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#max_items": "max"]), maximumItems: 77)
        #expect(configuration.maxItems == 77)
        do throws(PubSubError) {
            try configuration.apply(Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#max_items": "78"]), maximumItems: 77)
            Issue.record("78 accepted")
        } catch {
            #expect(error.stanza.condition == .notAcceptable)
        }
        #expect(configuration.maxItems == 77)
    }

    @Test(arguments: [
        ("pubsub#access_model", "public", StanzaError.Condition.notAcceptable),
        ("pubsub#persist_items", "maybe", .notAcceptable),
        ("pubsub#notification_type", "chat", .notAcceptable),
        ("pubsub#unknown_field", "1", .badRequest),
    ])
    func badValuesAndUnknownFieldsAreRefusedWhole(field: String, value: String, condition: StanzaError.Condition) {
        var configuration = NodeConfiguration()
        let form = Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#title": "changed", field: value])
        do throws(PubSubError) {
            try configuration.apply(form, maximumItems: 100)
            Issue.record("accepted \(field)=\(value)")
        } catch {
            #expect(error.stanza.condition == condition)
        }
        #expect(configuration.title == "")  // nothing applied
    }
}
