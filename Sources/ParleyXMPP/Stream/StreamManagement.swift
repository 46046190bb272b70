import ParleyXML

/// XEP-0198 stream management's counting, as a value: the stanzas handled from the peer
/// (`h` in our `<a/>`), the stanzas sent to it and how many of those it acknowledged.
/// Counters wrap at 2^32 (§4: "the value of 'h' ... wraps around to zero").
public struct StreamManagementCounters: Sendable, Equatable {
    /// Stanzas handled from the peer since management was enabled.
    public private(set) var handled: UInt32 = 0
    /// Stanzas sent to the peer since management was enabled.
    public private(set) var sent: UInt32 = 0
    /// The peer's latest `h`: the sent stanzas it handled.
    public private(set) var acknowledged: UInt32 = 0

    public init() {}

    /// Sent stanzas not acknowledged yet.
    public var unacknowledged: UInt32 { sent &- acknowledged }

    public mutating func handledOne() { handled &+= 1 }
    public mutating func sentOne() { sent &+= 1 }

    /// The peer acknowledged `h` stanzas (§4): how many more than before, or nil when `h`
    /// is more than we sent (§4: handled-count-too-high) or older than the last one.
    public mutating func acknowledge(_ h: UInt32) -> UInt32? {
        let newly = h &- acknowledged
        guard newly <= unacknowledged else { return nil }
        acknowledged = h
        return newly
    }
}

/// XEP-0198's elements, read and written.
public enum StreamManagementElements {
    static let ns = XMPPNamespace.streamManagement

    /// §2: the stream feature.
    public static var feature: XMLElement { XMLElement(name: "sm", namespace: ns) }

    /// §3: `<enabled id resume max/>`; `id` only when the session can be resumed.
    public static func enabled(id: String?, maxSeconds: Int?) -> XMLElement {
        var element = XMLElement(name: "enabled", namespace: ns)
        if let id {
            element[attribute: "id"] = id
            element[attribute: "resume"] = "true"
        }
        if let maxSeconds { element[attribute: "max"] = String(maxSeconds) }
        return element
    }

    /// §4: `<a h/>`.
    public static func ack(_ h: UInt32) -> XMLElement {
        XMLElement(name: "a", namespace: ns, attributes: [XMLAttribute("h", value: String(h))])
    }

    /// §4: `<r/>`.
    public static var request: XMLElement { XMLElement(name: "r", namespace: ns) }

    /// §5: `<resumed previd h/>`.
    public static func resumed(previd: String, h: UInt32) -> XMLElement {
        XMLElement(
            name: "resumed", namespace: ns,
            attributes: [XMLAttribute("previd", value: previd), XMLAttribute("h", value: String(h))])
    }

    /// §6: `<failed>` with a stanza error condition (and `h` when a session was known).
    public static func failed(_ condition: StanzaError.Condition, h: UInt32? = nil) -> XMLElement {
        var element = XMLElement(name: "failed", namespace: ns)
        if let h { element[attribute: "h"] = String(h) }
        element.append(XMLElement(name: condition.rawValue, namespace: XMPPNamespace.stanzaErrors))
        return element
    }

    /// §4: an `h` above what was sent: undefined-condition with `<handled-count-too-high/>`.
    public static func handledCountTooHigh(h: UInt32, sent: UInt32) -> StreamError {
        var error = StreamError(.undefinedCondition, text: "you acknowledged \(h) stanzas, but \(sent) were sent")
        error.applicationCondition = XMLElement(
            name: "handled-count-too-high", namespace: ns,
            attributes: [XMLAttribute("h", value: String(h)), XMLAttribute("send-count", value: String(sent))])
        return error
    }

    /// The `h` attribute of `<a/>` or `<resume/>`: an unsigned 32-bit count.
    public static func h(of element: XMLElement) -> UInt32? {
        element[attribute: "h"].flatMap { UInt32($0) }
    }
}
