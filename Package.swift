// swift-tools-version:6.1
// Parley: a protocol-agnostic chat domain model with XMPP and IRC adapters,
// a cred-like authentication layer and the `parleyd` launcher.
import PackageDescription

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parleyd", targets: ["parleyd"]),
        .library(name: "ParleyCore", targets: ["ParleyCore"]),
        .library(name: "ParleyXML", targets: ["ParleyXML"]),
        .library(name: "ParleyCred", targets: ["ParleyCred"]),
        .library(name: "ParleyLauncher", targets: ["ParleyLauncher"]),
        .library(name: "ParleyXMPP", targets: ["ParleyXMPP"]),
        .library(name: "ParleyXMPPNIO", targets: ["ParleyXMPPNIO"]),
        .library(name: "ParleyComponent", targets: ["ParleyComponent"]),
        .library(name: "ParleyIRC", targets: ["ParleyIRC"]),
        .library(name: "ParleyIRCNIO", targets: ["ParleyIRCNIO"]),
        .library(name: "ParleyLDAP", targets: ["ParleyLDAP"]),
        .library(name: "ParleyServerNIO", targets: ["ParleyServerNIO"]),
        .library(name: "ParleyHTTP", targets: ["ParleyHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // C libraries from Debian -dev packages.
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CLDAP", path: "Sources/CLDAP", pkgConfig: "ldap",
            providers: [.apt(["libldap2-dev"])]),
        // SRV look-ups through glibc's libresolv (libc6-dev), for server-to-server federation.
        .target(name: "CResolv", path: "Sources/CResolv", linkerSettings: [.linkedLibrary("resolv")]),

        // The protocol-agnostic chat domain model: no NIO, no XML, no IRC syntax.
        .target(
            name: "ParleyCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Streaming XML over libxml2's SAX2 push parser, and the serializer.
        .target(name: "ParleyXML", dependencies: ["CLibXML2"]),

        // Portal, realm, credentials, checkers, SCRAM, the flat-file store, `--auth` strings.
        .target(
            name: "ParleyCred",
            dependencies: [
                "ParleyCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The `ldap:` auth kind: bind-mode credential checks and shared groups over libldap,
        // with a connection pool on its own threads.
        .target(
            name: "ParleyLDAP",
            dependencies: [
                "CLDAP", "ParleyCore", "ParleyCred",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        // The one server runtime every listener runs on, whatever its protocol: endpoints and
        // socket options, the loop-partitioned connection registry and sweeper, the serial
        // inbox with backpressure, the per-loop flush coalescer, and the memory return.
        .target(
            name: "ParleyServerNIO",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // One HTTP listener per address per process (Hummingbird 2), shared by every plugin
        // that serves HTTP: each mounts its routes under its own path prefix; plain HTTP, or
        // HTTPS through HummingbirdTLS (swift-nio-ssl) when its plugins give a certificate.
        .target(
            name: "ParleyHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Plugin protocol, registry, typed options, configuration file, service group.
        .target(
            name: "ParleyLauncher",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyServerNIO", "ParleyHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]),

        // XMPP, pure half: JIDs, stanza and stream errors, stanza <-> model codecs, XEP payloads.
        .target(
            name: "ParleyXMPP",
            dependencies: [
                "ParleyCore", "ParleyXML", "ParleyCred", .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // Multi-user chat (XEP-0045), pure: room JIDs <-> model rooms, the service that turns a
        // client's MUC stanzas into operations of its session, and the renderer of room events.
        .target(
            name: "ParleyMUC",
            dependencies: ["ParleyCore", "ParleyXML", "ParleyXMPP"]),

        // Publish-subscribe (XEP-0060), pure: nodes, their configuration form, affiliations,
        // subscriptions and items; request parsing, the service state machine and the
        // rendering of results and event notifications. No I/O.
        .target(
            name: "ParleyPubSub",
            dependencies: ["ParleyCore", "ParleyXML", "ParleyXMPP"]),

        // Publish-subscribe persistence: a service's nodes and items as flat files, one
        // folder per node (storage/pubsub/, and per account for PEP), written atomically.
        .target(
            name: "ParleyPubSubStore",
            dependencies: ["ParleyPubSub", "ParleyCred", "ParleyXML", "ParleyXMPP"]),

        // XMPP, NIO half: the stream decoder and encoder, TLS set-up.
        .target(
            name: "ParleyXMPPNIO",
            dependencies: [
                "ParleyCore", "ParleyXMPP", "ParleyXML", "ParleyCred", "ParleyServerNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // IRC, pure half: the message codec with IRCv3 tags, case mapping, masks, numerics,
        // ISUPPORT, and the IRC <-> model rules (tags <-> payloads, modes <-> roles).
        .target(name: "ParleyIRC", dependencies: ["ParleyCore"]),

        // IRC, NIO half: the line framer and the IRC client library (TLS, CAP, SASL,
        // reconnect, rate limiting) for gateways to existing networks.
        .target(
            name: "ParleyIRCNIO",
            dependencies: [
                "ParleyIRC", "ParleyCore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Components (XEP-0114) for plugin authors: shared options, the host that runs a
        // handler in process or external, and the component client with reconnect.
        .target(
            name: "ParleyComponent",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyXML", "ParleyXMPP", "ParleyXMPPNIO",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Daemon plugins: one folder each under plugins/.
        .target(
            name: "XMPPS2SPlugin",
            dependencies: [
                "CResolv", "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyMUC", "ParleyXML", "ParleyXMPP",
                "ParleyXMPPNIO", "ParleyServerNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/xmpp-s2s"),
        .target(
            name: "XMPPRouterPlugin",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyXML", "ParleyXMPP", "ParleyXMPPNIO", "ParleyServerNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/xmpp-router"),
        .target(
            name: "EchoPlugin",
            dependencies: [
                "ParleyCore", "ParleyComponent", "ParleyLauncher",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/echo"),
        .target(
            name: "PubSubPlugin",
            dependencies: [
                "ParleyCore", "ParleyComponent", "ParleyCred", "ParleyHTTP", "ParleyLauncher", "ParleyPubSub",
                "ParleyPubSubStore", "ParleyServerNIO", "ParleyXML", "ParleyXMPP", "ParleyXMPPNIO",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/pubsub"),
        .target(
            name: "WebStatusPlugin",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyComponent", "ParleyHTTP", "ParleyLauncher", "ParleyXML", "ParleyXMPP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/web-status"),
        .target(
            name: "XMPPC2SPlugin",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyXML", "ParleyXMPP", "ParleyXMPPNIO", "ParleyServerNIO",
                "ParleyMUC", "ParleyPubSub", "ParleyPubSubStore", "ParleyHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/xmpp-c2s",
            // The browser chat page (/chat), compiled into the binary: no resource bundle to ship.
            resources: [
                .embedInCode("ChatPage/index.html"), .embedInCode("ChatPage/chat.css"), .embedInCode("ChatPage/chat.js"),
            ]),
        .target(
            name: "MUCPlugin",
            dependencies: [
                "ParleyComponent", "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyMUC", "ParleyXMPP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/muc"),
        .target(
            name: "IRCGatewayPlugin",
            dependencies: [
                "ParleyComponent", "ParleyCore", "ParleyCred", "ParleyIRC", "ParleyIRCNIO", "ParleyLauncher", "ParleyMUC",
                "ParleyXML", "ParleyXMPP", "ParleyXMPPNIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/irc-gateway"),
        .target(
            name: "TextChatPlugin",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyServerNIO", "ParleyHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/text-chat"),

        .target(
            name: "IRCServerPlugin",
            dependencies: [
                "ParleyCore", "ParleyCred", "ParleyLauncher", "ParleyIRC", "ParleyIRCNIO", "ParleyXMPPNIO", "ParleyServerNIO",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "plugins/irc-server"),

        .executableTarget(
            name: "parleyd",
            dependencies: [
                "ParleyLauncher", "ParleyCred", "ParleyLDAP", "TextChatPlugin", "XMPPC2SPlugin", "XMPPRouterPlugin", "XMPPS2SPlugin", "EchoPlugin",
                "WebStatusPlugin", "IRCServerPlugin", "MUCPlugin", "IRCGatewayPlugin", "PubSubPlugin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // `--load-plugin` libraries leave Parley's symbols undefined; `dlopen` resolves
            // them against this executable, so it exports its symbols (docs/custom-stores.md).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"], .when(platforms: [.linux]))]),

        // Test support shared by the XMPP test targets (a scripted raw XMPP client).
        .target(
            name: "XMPPTestSupport",
            dependencies: [
                "ParleyXMPP", "ParleyXMPPNIO", "ParleyXML", "ParleyCred", "ParleyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/XMPPTestSupport"),
        .testTarget(name: "ParleyCoreTests", dependencies: ["ParleyCore"]),
        .testTarget(
            name: "ParleyPubSubTests",
            dependencies: ["ParleyPubSub", "ParleyPubSubStore", "ParleyCred", "ParleyXMPP", "ParleyXML"]),
        .testTarget(name: "ParleyMUCTests", dependencies: ["ParleyMUC", "ParleyCore", "ParleyXMPP", "ParleyXML"]),
        .testTarget(
            name: "ParleyServerNIOTests",
            dependencies: [
                "ParleyServerNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A seeded random generator shared by the property tests.
        .target(name: "SeededRandom", path: "Tests/SeededRandom"),
        .testTarget(name: "ParleyXMLTests", dependencies: ["ParleyXML", "SeededRandom"], resources: [.copy("Corpus")]),
        .testTarget(name: "ParleyCredTests", dependencies: ["ParleyCred", "ParleyCore"]),
        .testTarget(name: "ParleyLauncherTests", dependencies: ["ParleyLauncher", "ParleyCred", "PeerTestSupport"]),
        .testTarget(
            name: "ParleyHTTPTests",
            dependencies: [
                "ParleyHTTP", "ParleyXMPPNIO", "PeerTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "TextChatPluginTests",
            dependencies: [
                "ParleyServerNIO",
                "TextChatPlugin", "ParleyCore", "ParleyCred",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "ParleyXMPPTests", dependencies: ["ParleyXMPP", "ParleyXML", "ParleyCore", "ParleyCred", "SeededRandom"]),
        .testTarget(
            name: "ParleyXMPPNIOTests",
            dependencies: [
                "ParleyXMPPNIO", "ParleyXMPP", "ParleyXML",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "XMPPC2SPluginTests",
            dependencies: [
                "ParleyServerNIO",
                "XMPPC2SPlugin", "XMPPTestSupport", "ParleyXMPP", "ParleyXMPPNIO", "ParleyXML", "ParleyCore", "ParleyCred",
                "ParleyMUC",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
        .testTarget(
            name: "XMPPS2SPluginTests",
            dependencies: [
                "XMPPS2SPlugin", "XMPPC2SPlugin", "ParleyXMPP", "ParleyXMPPNIO", "ParleyXML", "ParleyCore", "ParleyCred",
                "ParleyLauncher", "XMPPTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "XMPPRouterPluginTests",
            dependencies: [
                "ParleyServerNIO",
                "XMPPRouterPlugin", "XMPPC2SPlugin", "ParleyXMPP", "ParleyXMPPNIO", "ParleyXML", "ParleyCore", "ParleyCred",
                "ParleyLauncher", "XMPPTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "ParleyComponentTests",
            dependencies: [
                "ParleyComponent", "EchoPlugin", "XMPPRouterPlugin", "ParleyXMPP", "ParleyXMPPNIO", "ParleyXML",
                "ParleyCore", "ParleyCred", "ParleyLauncher",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "PubSubPluginTests",
            dependencies: [
                "PubSubPlugin", "ParleyPubSub", "ParleyPubSubStore", "ParleyCore", "ParleyCred", "ParleyHTTP", "ParleyXMPP",
                "ParleyXML", "XMPPTestSupport", "ParleyLauncher",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "WebStatusPluginTests",
            dependencies: [
                "WebStatusPlugin", "ParleyComponent", "ParleyXMPP", "ParleyXML", "ParleyCore", "ParleyCred", "ParleyLauncher",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "ParleyIRCTests", dependencies: ["ParleyIRC", "ParleyCore"]),
        // Shared by the IRC test targets: starting ngircd and InspIRCd, a scripted raw IRC client.
        .target(
            name: "IRCTestSupport",
            dependencies: [
                "ParleyIRC", "ParleyIRCNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/IRCTestSupport"),
        .testTarget(
            name: "ParleyIRCNIOTests",
            dependencies: [
                "ParleyIRCNIO", "ParleyIRC", "IRCTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "IRCServerPluginTests",
            dependencies: [
                "ParleyServerNIO",
                "IRCServerPlugin", "IRCTestSupport", "ParleyIRC", "ParleyIRCNIO", "ParleyCore", "ParleyCred",
                "ParleyLauncher", "SeededRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        // End to end with the real binary and real peers (Prosody, slixmpp, ngircd, InspIRCd,
        // the python `irc` library, irssi); also Parley's IRC client against real servers.
        // Shared by the test targets that start real peers: child processes, free ports,
        // temporary folders, and a throwaway OpenLDAP slapd.
        .target(
            name: "PeerTestSupport", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/PeerTestSupport"),
        .testTarget(
            name: "ParleydTests",
            dependencies: [
                "parleyd", "ParleyIRC", "ParleyIRCNIO", "PeerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "IRCGatewayPluginTests",
            dependencies: [
                "IRCGatewayPlugin", "ParleyCore", "ParleyIRCNIO", "ParleyMUC", "ParleyXML", "ParleyXMPP",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CShimTests", dependencies: ["CLDAP", "CLibXML2"]),
        .testTarget(
            name: "ParleyLDAPTests",
            dependencies: [
                "ParleyLDAP", "ParleyCred", "ParleyCore", "PeerTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
