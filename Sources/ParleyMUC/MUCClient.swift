import ParleyCore
import ParleyXML

/// The client side that `MUCService` answers through: the connection of the session whose
/// stanza it handles (in `xmpp-c2s`, the client's stream).
public protocol MUCClient: Sendable {
    /// Writes a stanza to the client.
    func send(_ element: XMLElement) async
    /// The history the client asked for on entering `room`, for the entry event that the
    /// join delivers to its session's mind next (XEP-0045 §7.2.14).
    func expectEntry(to room: RoomID, history: MUCHistoryRequest)
}
