import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0191 blocking command: the block list (§5.1), block (§5.3), unblock (§5.4) and
/// unblock all (§5.5), kept and enforced by the model (`ChatSession.block`); the changes
/// reach the resources that asked for the list as pushes (`C2SMind`).
struct BlockingFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.blocking)
        hooks.onIQ(.get, namespace: XMPPNamespace.blocking) { request, context in
            try request.checkOwnAccount()
            guard request.child.name == "blocklist" else { throw StanzaError(.badRequest, text: "expected <blocklist/>") }
            await context.mind?.requestedBlockList()
            return .result(BlockingElements.blocklist(await context.session.blockList()))
        }
        hooks.onIQ(.set, namespace: XMPPNamespace.blocking) { request, context in
            try request.checkOwnAccount()
            let addresses = try BlockingElements.addresses(in: request.child)
            do {
                switch request.child.name {
                case "block":
                    // §5.3: a block names at least one item.
                    guard !addresses.isEmpty else { throw StanzaError(.badRequest, text: "<block/> needs at least one item") }
                    try await context.session.block(addresses)
                case "unblock":
                    try await context.session.unblock(addresses.isEmpty ? nil : addresses)
                default:
                    throw StanzaError(.badRequest, text: "expected <block/> or <unblock/>")
                }
            } catch let error as BlockListError {
                switch error {
                case .tooMany: throw StanzaError(.resourceConstraint, text: "at most \(BlockList.maximumCount) blocked addresses")
                case .unavailable: throw StanzaError(.internalServerError, text: "the block list cannot be stored now")
                }
            }
            return .result(nil)
        }
    }
}
