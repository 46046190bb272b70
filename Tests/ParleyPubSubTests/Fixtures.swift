import Foundation
import ParleyXML
import ParleyXMPP

@testable import ParleyPubSub

/// Shared pieces of the pubsub tests: JIDs, a service with a deterministic id source, and
/// shorthands for requests and payloads.
struct Fixture {
    static let service = JID("pubsub.localhost")!
    static let alice = JID("alice@localhost/desk")!
    static let bob = JID("bob@localhost/phone")!
    static let carol = JID("carol@localhost/laptop")!
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    var state: PubSubService
    private var counter = 0

    init(limits: PubSubLimits = PubSubLimits()) {
        state = PubSubService(jid: Self.service, limits: limits)
    }

    /// Runs `request` from `who`; ids are `id-1`, `id-2`, … in order.
    @discardableResult
    mutating func run(_ request: PubSubRequest, from who: JID, facts: AccessFacts = .none) -> PubSubOutcome {
        var counter = self.counter
        let outcome = state.handle(request, from: who, facts: facts, now: Self.now) {
            counter += 1
            return "id-\(counter)"
        }
        self.counter = counter
        return outcome
    }

    /// Parses `xml` (the IQ's child) and runs it.
    @discardableResult
    mutating func run(xml: String, set: Bool, from who: JID, facts: AccessFacts = .none) throws -> PubSubOutcome {
        let request = try PubSubRequest.parse(try XMLStreamParser.parseDocument(xml), isSet: set)
        return run(request, from: who, facts: facts)
    }

    /// Creates `node` owned by alice with `fields` submitted as its configuration.
    mutating func create(_ node: String, _ fields: [String: String] = [:], by who: JID = alice) {
        let form = fields.isEmpty ? nil : Self.form(PubSubNamespace.nodeConfig, fields)
        let outcome = run(.create(node: node, configuration: form), from: who)
        precondition(outcome.error == nil, "\(outcome.error!)")
    }

    /// A submitted form with a FORM_TYPE and single-valued fields.
    static func form(_ formType: String, _ fields: [String: String]) -> DataForm {
        DataForm(
            type: .submit, formType: formType,
            fields: fields.sorted { $0.key < $1.key }.map { DataFormField(variable: $0.key, values: [$0.value]) })
    }

    static func entry(_ text: String) -> XMLElement {
        XMLElement(name: "entry", namespace: "http://www.w3.org/2005/Atom", children: [.text(text)])
    }

    static func publish(_ node: String, id: String? = nil, _ text: String? = "hello", options: DataForm? = nil)
        -> PubSubRequest
    {
        .publish(node: node, items: [.init(id: id, payload: text.map(entry))], options: options)
    }
}

extension PubSubOutcome {
    /// The pubsub#errors condition, or nil.
    var pubsubCondition: PubSubError.Condition? { error?.condition }
    var stanzaCondition: StanzaError.Condition? { error?.stanza.condition }
}
