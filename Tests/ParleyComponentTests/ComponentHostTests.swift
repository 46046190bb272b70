import EchoPlugin
import Foundation
import ParleyComponent
import ParleyCore
import ParleyLauncher
import ServiceLifecycle
import Testing

/// `ComponentHost` in external mode: a service that connects on start and closes the
/// stream on graceful shutdown; `EchoPlugin` builds it from command-line options.
@Suite struct ComponentHostTests {
    @Test func externalModeConnectsAndClosesTheStreamOnGracefulShutdown() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let host = ComponentHost(
            placement: ComponentPlacement(
                domain: "echo.localhost", mode: .external(host: "127.0.0.1", port: server.port, secret: "s3cret")),
            context: makeContext()
        ) { _ in handler }
        let group = ServiceGroup(services: [host], logger: quietLogger())
        let running = Task { try await group.run() }
        try await eventually("the link") { handler.links == 1 }
        #expect(host.link?.domain == "echo.localhost")
        #expect(host.link is ComponentConnector)

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(server.snapshot.closedByComponent == 1)
        #expect(server.snapshot.connections == 1, "no reconnection after shutdown")
        await server.stop()
    }

    @Test func theEchoPluginBuildsAnExternalHostFromItsOptions() async throws {
        let server = try await AcceptSideServer()
        let options = try PluginOptions.parse(
            commandLine: ["--connect", "127.0.0.1:\(server.port)", "--domain", "echo.localhost", "--secret", "s3cret"],
            declared: EchoPlugin.options)
        let service = try EchoPlugin.makeService(options: options, context: makeContext())
        let group = ServiceGroup(services: [service], logger: quietLogger())
        let running = Task { try await group.run() }
        try await server.waitUntil("the handshake") { $0.accepted == 1 }
        try server.send("<message from='alice@localhost/phone' to='echo.localhost' type='chat'><body>hi</body></message>")
        try await server.waitUntil("the echo") { !$0.stanzas.isEmpty }
        #expect(server.snapshot.stanzas[0].childText("body") == "echo: hi")
        await group.triggerGracefulShutdown()
        try await running.value
        await server.stop()
    }
}

/// In process, a second component on a taken domain is refused with the option named.
@Suite struct InProcessHostTests {
    @Test func aSecondComponentOnATakenDomainIsRefused() async throws {
        let context = makeContext()
        let placement = ComponentPlacement(domain: "echo.localhost", mode: .inProcess)
        let first = ComponentHost(placement: placement, context: context) { link in EchoBot(link: link) }
        let group = ServiceGroup(services: [first], logger: quietLogger())
        let running = Task { try await group.run() }
        try await eventually("the first component") { context.chat.hasComponent(for: "echo.localhost") }
        let second = ComponentHost(placement: placement, context: context) { _ in RecordingHandler() }
        await #expect(throws: OptionError(key: "domain", message: "echo.localhost is already attached to another component")) {
            try await second.run()
        }
        #expect(context.chat.hasComponent(for: "echo.localhost"), "the first keeps its domain")
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
