import Foundation
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// XEP-0215 external service discovery: the STUN and TURN services of `external-services`
/// (none unless configured), each TURN service with credentials made from `turn-secret`
/// for the asking account (`TURNCredentials`), valid `turn-credential-lifetime` seconds.
struct ExternalServicesFeature: C2SFeature {
    let services: [ExternalService]
    let turnSecret: String?
    let lifetime: TimeInterval

    func register(in hooks: inout C2SHooks) {
        hooks.advertise(ExternalService.namespace)
        hooks.onIQ(.get, namespace: ExternalService.namespace) { request, _ in
            switch request.child.name {
            case "services":
                // §3.1: all services, or those of the `type` asked for.
                let type = request.child[attribute: "type"]
                var answer = XMLElement(name: "services", namespace: ExternalService.namespace)
                answer[attribute: "type"] = type
                for service in services where type == nil || service.type == type {
                    answer.append(element(for: service, account: request.from.bare.description))
                }
                return .result(answer)
            case "credentials":
                // §3.3: fresh credentials for one service, named by host and type.
                guard let asked = request.child.firstChild(named: "service", namespace: ExternalService.namespace),
                    let service = services.first(where: { $0.host == asked[attribute: "host"] && $0.type == asked[attribute: "type"] })
                else { throw StanzaError(.itemNotFound, text: "no such service") }
                var answer = XMLElement(name: "credentials", namespace: ExternalService.namespace)
                answer.append(element(for: service, account: request.from.bare.description))
                return .result(answer)
            default:
                throw StanzaError(.badRequest, text: "expected <services/> or <credentials/>")
            }
        }
    }

    private func element(for service: ExternalService, account: String) -> XMLElement {
        guard ExternalService.restrictedTypes.contains(service.type), let turnSecret else { return service.element() }
        let credentials = TURNCredentials(secret: turnSecret, account: account, lifetime: lifetime)
        return service.element(username: credentials.username, password: credentials.password, expires: credentials.expires)
    }
}
