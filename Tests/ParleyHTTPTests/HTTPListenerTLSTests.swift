import Foundation
import NIOPosix
import NIOSSL
import ParleyHTTP
import Testing

/// A listener's TLS: its mounts must agree on it, and over loopback it serves HTTPS with
/// TLS 1.2 at least, to a client that pins the certificate.
@Suite("TLS on a shared listener")
struct HTTPListenerTLSTests {
    let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)

    @Test func mountsAgreeOnTLSOrTheMountIsAConfigurationError() throws {
        let (tls, folder) = try temporaryTLS()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = registry.listener(host: "127.0.0.1", port: 5280)
        try plain.mount(helloMount("web-status", "/status"))
        let error = #expect(throws: HTTPListenerError.self) {
            try plain.mount(HTTPMount(contributor: "pubsub", prefix: "/pubsub", limits: HTTPLimits(), tls: tls) { _ in })
        }
        #expect(
            error?.description
                == "pubsub asks for HTTPS with certificate \(tls.certificatePath) and key \(tls.keyPath) on 127.0.0.1:5280, "
                + "where web-status serves plain HTTP; give both the same TLS settings, or one of them another http-port")
        #expect(plain.tls == nil && plain.contributors == ["web-status"])

        let secure = registry.listener(host: "127.0.0.1", port: 5281)
        try secure.mount(HTTPMount(contributor: "pubsub", prefix: "/pubsub", limits: HTTPLimits(), tls: tls) { _ in })
        // The same files: one listener for both.
        try secure.mount(HTTPMount(contributor: "other", prefix: "/other", limits: HTTPLimits(), tls: tls) { _ in })
        #expect(secure.tls == tls)
        let plainThere = #expect(throws: HTTPListenerError.self) { try secure.mount(helloMount("web-status", "/status")) }
        #expect(plainThere?.description.hasPrefix("web-status asks for plain HTTP on 127.0.0.1:5281, where pubsub serves HTTPS") == true)
        // Other files are another certificate: refused as well.
        let other = HTTPTLS(
            certificatePath: folder + "/other.crt", keyPath: tls.keyPath, certificateChain: [], privateKey: try keyOf(tls))
        #expect(throws: HTTPListenerError.self) {
            try secure.mount(HTTPMount(contributor: "third", prefix: "/third", limits: HTTPLimits(), tls: other) { _ in })
        }
    }

    @Test func tlsIsOneDotTwoAtLeast() throws {
        let (tls, folder) = try temporaryTLS()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(tls.configuration.minimumTLSVersion == .tlsv12)
    }

    @Test func overLoopbackItServesHTTPSOnly() async throws {
        let (tls, folder) = try temporaryTLS()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try registry.listener(host: "127.0.0.1", port: 0).mount(
            HTTPMount(contributor: "pubsub", prefix: "/pubsub", limits: HTTPLimits(), tls: tls) { group in
                group.get("hello") { _, _ in "hello over TLS" }
            })
        let running = RunningRegistry(registry)
        let port = try await waitFor("the listener to bind") { registry.listener(host: "127.0.0.1", port: 0).boundPort }
        let url = "https://localhost:\(port)/pubsub/hello"
        let pinned = ["--cacert", tls.certificatePath, "--resolve", "localhost:\(port):127.0.0.1"]
        #expect(try await curl(pinned + [url]) == (0, "hello over TLS"))
        #expect(try await curl(pinned + ["--tls-max", "1.2", url]) == (0, "hello over TLS"), "TLS 1.2 is offered")
        // Without the pinned certificate the client does not trust it; plain HTTP gets no answer.
        #expect(try await curl(["--resolve", "localhost:\(port):127.0.0.1", url]).status != 0)
        #expect(try await curl(["http://127.0.0.1:\(port)/pubsub/hello"]).output != "hello over TLS")
        try await running.stop()
    }

    /// The private key of `tls`'s files, read again.
    func keyOf(_ tls: HTTPTLS) throws -> NIOSSLPrivateKey { try NIOSSLPrivateKey(file: tls.keyPath, format: .pem) }
}
