import ParleyCore
import ParleyXMPP

/// The XMPP error for each way the model refuses a room operation (XEP-0045 §7.2 and
/// §15.4), with text that says what is wrong.
extension StanzaError {
    public init(_ error: RoomError) {
        switch error {
        case .banned: self.init(.forbidden, type: .auth, text: "you are banned from this room")
        case .membersOnly: self.init(.registrationRequired, type: .auth, text: "this room is for members only")
        case .badPassword: self.init(.notAuthorized, type: .auth, text: "this room needs the right password")
        case .full: self.init(.serviceUnavailable, type: .wait, text: "this room is full")
        case .nicknameInUse: self.init(.conflict, type: .cancel, text: "that nickname is taken in this room")
        case .notInRoom: self.init(.notAcceptable, type: .modify, text: "you are not in this room")
        case .notAllowed: self.init(.forbidden, type: .auth, text: "you are not allowed to do that in this room")
        case .noSuchOccupant: self.init(.itemNotFound, type: .cancel, text: "no occupant has that nickname")
        case .noSuchRoom: self.init(.itemNotFound, type: .cancel, text: "no such room")
        case .locked: self.init(.itemNotFound, type: .cancel, text: "this room is new and locked until its owner configures it")
        case .cannotSpeak: self.init(.forbidden, type: .auth, text: "you have no voice in this moderated room")
        case .banListFull: self.init(.resourceConstraint, type: .wait, text: "the room's ban list is full")
        case .tooManyRooms: self.init(.resourceConstraint, type: .wait, text: "you are in too many rooms")
        case .roomLimitReached: self.init(.resourceConstraint, type: .wait, text: "the service holds as many rooms as it may")
        case .tooFast: self.init(.policyViolation, type: .wait, text: "you are entering rooms or changing your presence in them too fast")
        case .invalid(let why): self.init(.badRequest, type: .modify, text: why)
        case .sessionClosed: self.init(.serviceUnavailable, type: .cancel, text: "your session is closing")
        }
    }
}
