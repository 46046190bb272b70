import Foundation
import ParleyXML
import Testing

@testable import ParleyXMPP

/// XEP-0215 services as configured (`type:host:port[:transport]`) and as sent.
@Suite struct ExternalServiceTests {
    @Test func configuredServicesAreReadOrRefused() {
        #expect(ExternalService(configured: "turn:turn.example.org:3478:udp") == ExternalService(type: "turn", host: "turn.example.org", port: 3478, transport: "udp"))
        #expect(ExternalService(configured: "stun:[2001:db8::1]:3478") == ExternalService(type: "stun", host: "2001:db8::1", port: 3478))
        for bad in ["turn:host", "ftp:host:21", "turn:host:0", "turn:host:3478:sctp", "turn::3478", "turn:host:port", "turn:host:1:udp:x"] {
            #expect(ExternalService(configured: bad) == nil, "\(bad)")
        }
    }

    @Test func aRestrictedServiceCarriesItsCredentials() {
        let service = ExternalService(type: "turn", host: "turn.example.org", port: 3478, transport: "udp")
        let plain = service.element()
        #expect(plain[attribute: "username"] == nil && plain[attribute: "restricted"] == nil)
        let element = service.element(username: "u", password: "p", expires: Date(timeIntervalSince1970: 1_765_000_000))
        #expect(element[attribute: "restricted"] == "1" && element[attribute: "password"] == "p")
        #expect(element[attribute: "expires"] == "2025-12-06T05:46:40Z")
    }
}
