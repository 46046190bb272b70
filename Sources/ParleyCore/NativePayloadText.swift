/// How one protocol writes its native payloads as text and reads them back, so that a
/// stored message keeps them (an archive line, XEP-0313): the XMPP adapter writes an
/// element as XML. A store without one keeps only the payloads' meanings.
public protocol NativePayloadText: Sendable {
    /// The protocol whose payloads this writes.
    var family: ProtocolFamily { get }
    /// The text of `payload`, or nil when it cannot be written.
    func text(of payload: NativePayload) -> String?
    /// The payload of `key` written as `text` (with its meaning, when the protocol knows
    /// it), or nil when `text` is not one.
    func payload(key: String, text: String) -> ExtensionPayload?
}
