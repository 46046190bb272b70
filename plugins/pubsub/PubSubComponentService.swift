import Logging
import ParleyComponent
import ParleyCore
import ParleyCred
import ParleyHTTP
import ParleyLauncher
import ParleyPubSub
import ParleyPubSubStore
import ParleyXMPP
import ServiceLifecycle

/// The running plugin: reads the nodes from `storage/pubsub/` (a file that does not read
/// back stops the start, naming it), mounts the HTTP face on the shared HTTP listener
/// unless it is off, then runs the component through `ComponentHost`.
final class PubSubComponentService: Service, Sendable {
    let host: ComponentHost

    init(placement: ComponentPlacement, limits: PubSubLimits, http: PubSubHTTPSettings, context: PluginContext) throws {
        var logger = context.logger
        logger[metadataKey: "plugin"] = "pubsub"
        let store = try PubSubStore(directory: context.storageDirectory + "/pubsub", limits: limits)
        let nodes = try store.load()
        let service = PubSubService(jid: JID(localpart: nil, domain: placement.domain), limits: limits, nodes: nodes)
        // Presence and roster access models need the owners' contact lists: only the
        // chat service of this process has them (docs/pubsub.md, "Access models").
        let contacts: PubSubContacts =
            placement.mode == .inProcess ? .local(context.chat.contacts, domain: context.chat.domain) : .unknown
        logger.info(
            "pubsub nodes loaded",
            metadata: ["domain": "\(placement.domain)", "nodes": "\(nodes.count)", "path": "\(store.directory)"])
        var face: PubSubHTTPFace?
        if http.isEnabled {
            // Per-node tokens beside the nodes, never inside storage/pubsub/ (the node store's).
            let tokens = try PubSubTokens(
                store: try FlatFileSettingsStore(directory: context.storageDirectory + "/pubsub-http", kind: "pubsub-http")
                    .substore(placement.domain, kind: "pubsub-token"))
            let made = PubSubHTTPFace(
                settings: http, portal: context.portal, accountDomain: context.chat.domain,
                serviceDomain: placement.domain, limits: limits, tokens: tokens)
            let tls = try http.listenerTLS(
                storageDirectory: context.storageDirectory, domain: context.chat.domain, logger: logger)
            try made.mount(on: context.http.listener(host: http.host, port: http.port), tls: tls, logger: logger)
            face = made
        }
        host = ComponentHost(placement: placement, context: context) { [logger, face] link in
            let desk = PubSubDesk(
                service: service, store: store, contacts: contacts, link: link, logger: logger, memory: context.memory,
                feed: face?.hub)
            face?.attach(desk)
            return PubSubComponent(desk: desk, queueLimit: placement.queueLimit)
        }
    }

    func run() async throws {
        try await host.run()
    }
}
