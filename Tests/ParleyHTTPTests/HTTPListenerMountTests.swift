import Logging
import NIOPosix
import ParleyHTTP
import Testing

let quiet = Logger(label: "http-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A mount that serves `GET <prefix>/hello` with `text`.
func helloMount(_ contributor: String, _ prefix: String, text: String = "hello", limits: HTTPLimits = HTTPLimits())
    throws -> HTTPMount
{
    try HTTPMount(
        contributor: contributor, prefix: prefix, limits: limits,
        routes: { group in group.get("hello") { _, _ in text } })
}

@Suite("mounting routes on a shared listener")
struct HTTPListenerMountTests {
    let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)

    @Test func oneListenerPerAddress() {
        let first = registry.listener(host: "127.0.0.1", port: 5280)
        #expect(registry.listener(host: "127.0.0.1", port: 5280) === first)
        #expect(registry.listener(host: "127.0.0.1", port: 5281) !== first)
        #expect(registry.listener(host: "::1", port: 5280) !== first)
        #expect(registry.all.count == 3)
        #expect(registry.listener(host: "::1", port: 5280).address.description == "[::1]:5280")
    }

    @Test func theSamePrefixTwiceIsAConfigurationError() throws {
        let listener = registry.listener(host: "127.0.0.1", port: 5280)
        try listener.mount(helloMount("web-status", "/status"))
        try listener.mount(helloMount("pubsub", "/pubsub"))
        let error = #expect(throws: HTTPListenerError.self) { try listener.mount(helloMount("other", "/status")) }
        #expect(
            error?.description
                == "the HTTP path /status on 127.0.0.1:5280 is already served by web-status; give one of them another http-port"
        )
        #expect(throws: HTTPListenerError.self) { try listener.mount(helloMount("other", "/status/feed")) }
        #expect(throws: HTTPListenerError.self) { try listener.mount(helloMount("other", "/pubsub/x")) }
        #expect(listener.contributors == ["web-status", "pubsub"])
        // Another address is another listener: the same prefix is free there.
        try registry.listener(host: "127.0.0.1", port: 5281).mount(helloMount("other", "/status"))
    }

    @Test func nothingIsMountedOnceTheListenerRuns() throws {
        let listener = registry.listener(host: "127.0.0.1", port: 0)
        try listener.mount(helloMount("web-status", "/status"))
        _ = try listener.application()
        #expect(throws: HTTPListenerError.alreadyRunning(listener.address)) {
            try listener.mount(helloMount("late", "/late"))
        }
        #expect(throws: HTTPListenerError.alreadyRunning(listener.address)) { try listener.application() }
    }
}
