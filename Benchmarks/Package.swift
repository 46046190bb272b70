// swift-tools-version:6.1
// Benchmarks for Parley, in a package of their own so that the main build and CI never
// compile them. Run from this directory (the plugin builds in release):
//   swift package --scratch-path .build benchmark --target XMLBenchmarks
// (docs/benchmarks-xml.md and docs/benchmarks-cred.md have the figures and how they were taken).
// `xmpp-load` is a raw-XMPP load generator that depends on no Parley module, so that it
// measures any server the same way; scripts/bench-c2s builds it with
//   swift build -c release --scratch-path .build --product xmpp-load
// (docs/benchmarks-c2s.md); its `gateway` mode drives an XMPP ↔ IRC gateway from both sides
// (scripts/bench-gateway), and its `pubsub` mode a XEP-0060 service's fan-out to N subscribers
// and its publishes into a persistent node (scripts/bench-pubsub); `--transport ws|wss` runs its
// c2s modes over XMPP over WebSocket (RFC 7395, scripts/bench-web). `irc-load` does the same for IRC (scripts/bench-irc).
// `ldap-login` measures LDAP-backed logins through Parley's portal (scripts/bench-ldap).
import PackageDescription

let package = Package(
    name: "ParleyBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Parley", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "XMLBenchmarks",
            dependencies: [
                .product(name: "ParleyXML", package: "Parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/XMLBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CredBenchmarks",
            dependencies: [
                .product(name: "ParleyCred", package: "Parley"),
                .product(name: "ParleyCore", package: "Parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CredBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What /proc and getrusage tell about a process, shared by the load generators.
        .target(name: "LoadSupport", path: "Sources/LoadSupport"),
        .executableTarget(
            name: "xmpp-load",
            dependencies: [
                "LoadSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // RFC 7395 over NIO's own WebSocket client upgrade and frame codec (--transport ws|wss).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/xmpp-load"
        ),
        // Memory per room occupant in the chat model (scripts/bench-room-memory, docs/benchmarks-muc.md).
        .executableTarget(
            name: "room-memory",
            dependencies: [
                "LoadSupport",
                .product(name: "ParleyCore", package: "Parley"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/room-memory"
        ),
        // Two XEP-0114 components through a router (scripts/bench-router, docs/benchmarks-components.md).
        .executableTarget(
            name: "router-load",
            dependencies: [
                "LoadSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/router-load"
        ),
        // Raw-IRC fan-out and idle-memory load (scripts/bench-irc, docs/benchmarks-irc.md).
        .executableTarget(
            name: "irc-load",
            dependencies: [
                "LoadSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/irc-load"
        ),
        // LDAP-backed logins through a Portal, and chat traffic during slow logins
        // (scripts/bench-ldap, docs/benchmarks-ldap.md).
        .executableTarget(
            name: "ldap-login",
            dependencies: [
                "LoadSupport",
                .product(name: "ParleyLDAP", package: "Parley"),
                .product(name: "ParleyCred", package: "Parley"),
                .product(name: "ParleyCore", package: "Parley"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ldap-login"
        ),
    ],
    swiftLanguageModes: [.v6]
)
