import ParleyHTTP
import Testing

@Suite("HTTP path prefixes and limits")
struct HTTPPathPrefixTests {
    @Test func literalPathsAreAccepted() throws {
        #expect(try HTTPPathPrefix("/status").segments == ["status"])
        #expect(try HTTPPathPrefix("/.well-known/host-meta").description == "/.well-known/host-meta")
        #expect(try HTTPPathPrefix("/xmpp-websocket").segments == ["xmpp-websocket"])
    }

    @Test(arguments: [
        "", "/", "status", "/status/", "/a//b", "/..", "/a/./b", "/:id", "/*", "/**", "/{id}", "/a%2Fb", "/caf\u{E9}",
        "/a b", "/a?b", "/a#b",
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(throws: HTTPListenerError.self) { try HTTPPathPrefix(text) }
    }

    @Test func overlapIsBySegment() throws {
        let status = try HTTPPathPrefix("/status")
        #expect(status.overlaps(try HTTPPathPrefix("/status")))
        #expect(status.overlaps(try HTTPPathPrefix("/status/feed")))
        #expect(try HTTPPathPrefix("/status/feed").overlaps(status))
        #expect(!status.overlaps(try HTTPPathPrefix("/statuses")))
        #expect(!status.overlaps(try HTTPPathPrefix("/pubsub")))
    }

    @Test func mergedLimitsTakeTheLargestCapsAndTheSmallestIdleTimeout() {
        let web = HTTPLimits()
        let other = HTTPLimits(
            maximumConnections: 1000, idleTimeout: 60, maximumHeaderFieldSize: 32 << 10, maximumHeaderListSize: 8 << 10,
            maximumHeaderFieldCount: 100)
        let merged = HTTPLimits.merged([web, other])
        #expect(
            merged
                == HTTPLimits(
                    maximumConnections: 1000, idleTimeout: 30, maximumHeaderFieldSize: 32 << 10,
                    maximumHeaderListSize: 16 << 10, maximumHeaderFieldCount: 100))
        #expect(HTTPLimits.merged([other, web]) == merged, "the order of the plugins does not matter")
        #expect(HTTPLimits.merged([other]) == other)
    }
}
