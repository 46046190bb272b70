import Foundation
import NIOPosix
import ParleyHTTP
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The registry run as a service, as the launcher runs it, on real loopback sockets.
@Suite("shared HTTP listeners on loopback")
struct HTTPListenersLiveTests {
    @Test func twoPluginsShareOnePortZeroListenerAndBothLearnItsPort() async throws {
        let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        let told = Mutex<[String: Int]>([:])
        // web-status's header limits, and a plugin asking for longer headers: the larger apply.
        let longer = HTTPLimits(maximumHeaderFieldSize: 32 << 10, maximumHeaderListSize: 64 << 10)
        for (name, prefix, limits) in [("web-status", "/status", HTTPLimits()), ("pubsub", "/pubsub", longer)] {
            try registry.listener(host: "127.0.0.1", port: 0).mount(
                HTTPMount(
                    contributor: name, prefix: prefix, limits: limits,
                    routes: { group in group.get("hello") { _, _ in "hello from \(name)" } },
                    bound: { port in told.withLock { $0[name] = port } }))
        }
        let running = RunningRegistry(registry)
        let listener = registry.listener(host: "127.0.0.1", port: 0)
        let port = try await waitFor("the listener to bind") { listener.boundPort }
        #expect(told.withLock { $0 } == ["web-status": port, "pubsub": port])

        #expect(try await get(port, "/status/hello") == (200, "hello from web-status"))
        #expect(try await get(port, "/pubsub/hello") == (200, "hello from pubsub"))
        for path in ["/", "/status", "/statuses/hello", "/pubsub/hello/more", "/other"] {
            #expect(try await get(port, path).status == 404, "\(path)")
        }
        // A 20 KB request line: beyond web-status's 8 KiB, within pubsub's 32 KiB.
        let long = try await get(port, "/status/" + String(repeating: "a", count: 20_000))
        #expect(long.status == 404, "\(long)")
        #expect(try await get(port, "/status/" + String(repeating: "a", count: 40_000)).status == 400)
        #expect(throws: HTTPListenerError.self) { try listener.mount(helloMount("late", "/late")) }
        try await running.stop()
    }

    @Test func aTakenPortFailsTheRegistryNamingTheListener() async throws {
        let first = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        try first.listener(host: "127.0.0.1", port: 0).mount(helloMount("web-status", "/status"))
        let running = RunningRegistry(first)
        let port = try await waitFor("the first listener") { first.listener(host: "127.0.0.1", port: 0).boundPort }

        let second = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        try second.listener(host: "127.0.0.1", port: port).mount(helloMount("pubsub", "/pubsub"))
        let error = await #expect(throws: HTTPListenerError.self) { try await second.run() }
        #expect(error?.description.hasPrefix("the HTTP listener on 127.0.0.1:\(port) (pubsub) failed: ") == true)
        try await running.stop()
    }

    @Test func withNothingMountedTheRegistryWaitsForShutdown() async throws {
        let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        _ = registry.listener(host: "127.0.0.1", port: 0)
        let running = RunningRegistry(registry)
        try await Task.sleep(for: .milliseconds(50))
        #expect(registry.all.first?.boundPort == nil)
        try await running.stop()
    }
}

/// A home mount: `GET /` on its listener is found at its path, whoever else mounts there;
/// a second home on the same listener is a configuration error.
@Suite("a listener's home page")
struct HTTPListenerHomeTests {
    @Test func slashRedirectsToTheHomeMountAndOnlyOneMayClaimIt() async throws {
        let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        let listener = registry.listener(host: "127.0.0.1", port: 0)
        try listener.mount(helloMount("web-status", "/status"))
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: "/chat", limits: HTTPLimits(), isHome: true,
                routes: { group in group.get("") { _, _ in "the page" } }))
        let second = #expect(throws: HTTPListenerError.self) {
            try listener.mount(
                HTTPMount(contributor: "other", prefix: "/other", limits: HTTPLimits(), isHome: true, routes: { _ in }))
        }
        #expect(second == .homeClaimed(plugin: "other", owner: "xmpp-c2s", address: listener.address))
        let running = RunningRegistry(registry)
        let port = try await waitFor("the listener to bind") { listener.boundPort }
        let home = try await curl(["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://127.0.0.1:\(port)/"])
        #expect(home.output == "302 http://127.0.0.1:\(port)/chat")
        #expect(try await get(port, "/") == (200, "the page"))  // URLSession follows the redirect
        #expect(try await get(port, "/status/hello") == (200, "hello"))
        try await running.stop()
    }
}

/// `registry` in a service group, until `stop()` (graceful shutdown, as on SIGTERM).
final class RunningRegistry: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ registry: HTTPListeners) {
        let group = ServiceGroup(services: [registry], logger: quiet)
        self.group = group
        task = Task { try await group.run() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// A `GET` to 127.0.0.1 with URLSession: the status and the body as text.
func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
    let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
    let (data, response) = try await URLSession.shared.data(for: URLRequest(url: url))
    let status = try #require(response as? HTTPURLResponse).statusCode
    return (status, String(decoding: data, as: UTF8.self))
}

/// Polls `probe` every 5 ms until it yields a value, for at most 20 s.
func waitFor<T>(_ what: String, _ probe: () -> T?) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: .seconds(20))
    while ContinuousClock.now < deadline {
        if let value = probe() { return value }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for \(what)")
    throw CancellationError()
}
