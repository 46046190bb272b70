import ParleyCore

/// What one command of a chat client gets back, whatever its framing: `TextChatClient`
/// returns these, and each face renders them, as text-chat lines (`TextChatRenderer`) or
/// as JSON objects (`JSONEventRenderer`). Events from the service are not replies; they
/// reach the client through its session mind.
enum ChatReply: Equatable, Sendable {
    /// The login worked; the session's address.
    case loggedIn(SessionID)
    /// The command was carried out. Most commands' effect is also heard as an event (a
    /// join as `JOINED`); the text face acknowledges only those that are not.
    case done(TextChatCommand)
    /// The contact list, for CONTACTS.
    case contacts([Contact])
    /// The occupants of a room, for WHO.
    case occupants(RoomID, [Occupant])
    /// The answer to PING, with its token.
    case pong(String?)
    /// Every command's syntax, for HELP.
    case usage([String])
    /// The client asked to leave; the connection closes after this.
    case goodbye
    /// The command was refused: a stable `code` and, where it helps, a sentence.
    case refused(code: String, message: String?)
}
