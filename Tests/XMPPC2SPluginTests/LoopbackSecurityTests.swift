import NIOCore
import Testing

@testable import XMPPC2SPlugin

/// Which clear WebSocket connections count as secure (`http-secure-loopback`, as Prosody's
/// `secure_interfaces`): both ends loopback, and the option on.
@Suite struct LoopbackSecurityTests {
    private func address(_ ip: String) throws -> SocketAddress { try SocketAddress(ipAddress: ip, port: 5280) }

    @Test func loopbackAddressesOfBothFamilies() throws {
        for ip in ["127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "::ffff:127.0.0.1"] {
            #expect(LoopbackSecurity.isLoopback(try address(ip)), "\(ip)")
        }
    }

    @Test func otherAddressesAreNotLoopback() throws {
        for ip in ["0.0.0.0", "10.0.0.1", "128.0.0.1", "192.168.1.127", "1.127.0.0", "::", "::2", "fe80::1", "::ffff:10.0.0.1", "::127.0.0.1"] {
            #expect(!LoopbackSecurity.isLoopback(try address(ip)), "\(ip)")
        }
        #expect(!LoopbackSecurity.isLoopback(nil))
        #expect(!LoopbackSecurity.isLoopback(try SocketAddress(unixDomainSocketPath: "/tmp/parley.sock")))
    }

    @Test func secureOnlyWhenBothEndsAreLoopbackAndTheOptionIsOn() throws {
        let loopback = try address("127.0.0.1"), v6 = try address("::1"), lan = try address("192.168.1.20")
        #expect(LoopbackSecurity.isSecure(local: loopback, peer: loopback, enabled: true))
        #expect(LoopbackSecurity.isSecure(local: v6, peer: v6, enabled: true))
        #expect(!LoopbackSecurity.isSecure(local: loopback, peer: loopback, enabled: false))
        // A listener on every interface reached from the network: the clear rules apply.
        #expect(!LoopbackSecurity.isSecure(local: lan, peer: lan, enabled: true))
        #expect(!LoopbackSecurity.isSecure(local: lan, peer: loopback, enabled: true))
        #expect(!LoopbackSecurity.isSecure(local: loopback, peer: lan, enabled: true))
        #expect(!LoopbackSecurity.isSecure(local: nil, peer: loopback, enabled: true))
    }
}
