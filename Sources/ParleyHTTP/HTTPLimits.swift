/// The bounds of one HTTP listener. Each plugin that mounts routes states the limits it
/// wants (from its own bounded options); a listener shared by several plugins applies
/// `merged(_:)` of them, and logs it when they differ.
public struct HTTPLimits: Sendable, Equatable {
    /// HTTP connections open at once; beyond it new ones wait in the accept queue.
    public var maximumConnections: Int
    /// Seconds an idle connection (between requests) stays open. Hummingbird never times
    /// out a connection while a response is being written, so a long stream (server-sent
    /// events, a BOSH hold) is not cut by it.
    public var idleTimeout: Double
    /// Bytes of one request header field (the request line included); a longer one is `400`.
    public var maximumHeaderFieldSize: Int
    /// Bytes of all the request's header fields together.
    public var maximumHeaderListSize: Int
    /// Header fields in one request.
    public var maximumHeaderFieldCount: Int

    /// The defaults are web-status's: 256 connections, 30 s, headers of 8 KiB each,
    /// 16 KiB and 64 fields in all (a status page needs none of the 80 KiB Hummingbird allows).
    public init(
        maximumConnections: Int = 256, idleTimeout: Double = 30, maximumHeaderFieldSize: Int = 8 << 10,
        maximumHeaderListSize: Int = 16 << 10, maximumHeaderFieldCount: Int = 64
    ) {
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.maximumHeaderFieldSize = maximumHeaderFieldSize
        self.maximumHeaderListSize = maximumHeaderListSize
        self.maximumHeaderFieldCount = maximumHeaderFieldCount
    }

    /// The limits of a listener shared by plugins that asked for `limits` (at least one):
    /// - the **largest** connection cap: the cap is one budget for the whole listener, and
    ///   the busiest plugin's share must fit in it (a sum would grow with every plugin, the
    ///   smallest would starve the busiest one);
    /// - the **smallest** idle timeout: it only closes connections idle between requests,
    ///   which hold one of those slots for nothing;
    /// - the **largest** header limits: every plugin's own requests must parse.
    /// Every result is one of the inputs' values, so it stays within the options' ranges.
    public static func merged(_ limits: [HTTPLimits]) -> HTTPLimits {
        guard var result = limits.first else { return HTTPLimits() }
        for other in limits.dropFirst() {
            result.maximumConnections = max(result.maximumConnections, other.maximumConnections)
            result.idleTimeout = min(result.idleTimeout, other.idleTimeout)
            result.maximumHeaderFieldSize = max(result.maximumHeaderFieldSize, other.maximumHeaderFieldSize)
            result.maximumHeaderListSize = max(result.maximumHeaderListSize, other.maximumHeaderListSize)
            result.maximumHeaderFieldCount = max(result.maximumHeaderFieldCount, other.maximumHeaderFieldCount)
        }
        return result
    }

    /// One line naming every limit, for the log.
    public var summary: String {
        "max-connections=\(maximumConnections) idle-timeout=\(idleTimeout)s header-field=\(maximumHeaderFieldSize)B "
            + "header-list=\(maximumHeaderListSize)B header-fields=\(maximumHeaderFieldCount)"
    }
}
