import Foundation

/// An occupant's role in a room for this visit (XEP-0045 §5.1; IRC +o and +v).
public enum Role: String, Hashable, Sendable, CaseIterable, Comparable {
    case none, visitor, participant, moderator

    private var rank: Int {
        switch self {
        case .none: 0
        case .visitor: 1
        case .participant: 2
        case .moderator: 3
        }
    }
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// A user's lasting relation to a room (XEP-0045 §5.2; IRC ban ↔ outcast).
public enum Affiliation: String, Hashable, Sendable, CaseIterable, Comparable {
    case outcast, none, member, admin, owner

    private var rank: Int {
        switch self {
        case .outcast: 0
        case .none: 1
        case .member: 2
        case .admin: 3
        case .owner: 4
        }
    }
    public static func < (lhs: Affiliation, rhs: Affiliation) -> Bool { lhs.rank < rhs.rank }

    /// The role an occupant gets on entering (XEP-0045 §5.1.2 default roles).
    public func defaultRole(moderated: Bool) -> Role {
        switch self {
        case .owner, .admin: .moderator
        case .member: .participant
        case .none: moderated ? .visitor : .participant
        case .outcast: .none
        }
    }
}

/// One occupant of a room: a nickname shared by one or more sessions of the same user
/// (XEP-0045 §7.2.9 multi-session nicks).
public struct Occupant: Sendable, Equatable {
    public var nick: Nickname
    public var user: UserID
    public var sessions: [SessionID]
    public var role: Role
    public var affiliation: Affiliation
    public var presence: Presence
    /// A guest: its user has no account (an anonymous login under a generated name).
    public var isGuest: Bool
    /// An owner only because it created a room founded `RoomFounding.operator` (an IRC
    /// channel): owner in rights, shown as an operator, until an owner is named explicitly.
    public var isOperatorFounder: Bool
    /// An operator or owner who also holds voice (IRC `+v` next to `+o`, `@+` with
    /// multi-prefix): the voice it had, or was given, stays when its operator status goes.
    public var keepsVoice: Bool
    /// The username a guest gave (unverified; IRC's `USER`): bans see the guest as
    /// `~<it>` (`RoomBan.subject`), nil for `~guest`.
    public var guestUsername: String?

    public init(
        nick: Nickname, user: UserID, sessions: [SessionID], role: Role, affiliation: Affiliation,
        presence: Presence, isGuest: Bool = false, isOperatorFounder: Bool = false, keepsVoice: Bool = false,
        guestUsername: String? = nil
    ) {
        self.keepsVoice = keepsVoice
        self.guestUsername = guestUsername
        self.isGuest = isGuest
        self.isOperatorFounder = isOperatorFounder
        self.nick = nick
        self.user = user
        self.sessions = sessions
        self.role = role
        self.affiliation = affiliation
        self.presence = presence
    }
}

/// What the user whose join creates a room becomes.
public enum RoomFounding: Sendable, Equatable {
    /// Its owner (XEP-0045 §10.1.1: the creator of a room is its owner).
    case owner
    /// A channel operator, as the first user in an IRC channel is (RFC 2811 §3.1
    /// "Standard channels"): the owner's rights (to name other operators), shown as an operator
    /// (`Occupant.isOperatorFounder`) until an owner is named explicitly.
    case `operator`
}

/// Who did something in a room: the session it acted from and its occupant as the room
/// knew it at that moment. Adapters render the sender from these (an IRC hostmask by
/// session) instead of looking a nick up again.
public struct RoomActor: Sendable, Equatable {
    public var session: SessionID
    public var occupant: Occupant

    /// The occupant's nickname.
    public var nick: Nickname { occupant.nick }

    public init(session: SessionID, occupant: Occupant) {
        self.session = session
        self.occupant = occupant
    }
}

/// A room's subject and who set it (XEP-0045 §8.1; IRC TOPIC).
public struct Topic: Sendable, Equatable {
    public var text: String
    public var setBy: Nickname?
    public var at: Date

    /// The longest subject a room takes, in UTF-8 bytes (IRC shows at most 390 characters).
    public static let maximumBytes = 1024

    public init(text: String, setBy: Nickname?, at: Date) {
        self.text = text
        self.setBy = setBy
        self.at = at
    }
}

/// A room's settings: XEP-0045 §10.2 configuration and the IRC channel modes they map to.
public struct RoomConfiguration: Sendable, Equatable {
    /// Kept when the last occupant leaves (XEP-0045 persistent room; IRC +P).
    public var persistent = false
    /// Only members may enter (XEP-0045 members-only; IRC +i).
    public var membersOnly = false
    /// Only participants and above may speak (XEP-0045 moderated; IRC +m).
    public var moderated = false
    /// Entry password (XEP-0045 password-protected; IRC +k).
    public var password: String?
    /// Most occupants at once; nil for the service limit (IRC +l).
    public var maxOccupants: Int?
    /// Only moderators may change the subject (XEP-0045 changesubject off; IRC +t).
    public var topicRestricted = true
    /// Left out of public room lists (XEP-0045 hidden; IRC +s).
    public var hidden = false
    /// Non-occupants may send messages to the room (IRC −n).
    public var allowsExternalMessages = false
    /// How many recent messages a newcomer is sent; bounded by `maximumHistory`.
    public var historyLength = 20
    /// A human name for the room (XEP-0045 muc#roomconfig_roomname); nil for its id.
    public var name: String?
    /// What the room is about (muc#roomconfig_roomdesc), shown in room listings.
    public var description: String?

    /// The hard cap on `historyLength`.
    public static let maximumHistory = 500

    public init() {}
}

/// Why a room operation was refused; adapters map each case to their protocol's error
/// (XMPP stanza error conditions of XEP-0045 §7.2, IRC numerics).
public enum RoomError: Error, Hashable, Sendable {
    /// The user is banned (XMPP forbidden; IRC 474).
    case banned
    /// Members-only room and not a member (XMPP registration-required; IRC 473).
    case membersOnly
    /// Wrong or missing password (XMPP not-authorized; IRC 475).
    case badPassword
    /// Room is full: its own limit or the service's cap on occupants per room (XMPP
    /// service-unavailable; IRC 471).
    case full
    /// The nickname is held by another user (XMPP conflict; IRC 433).
    case nicknameInUse
    /// The session is not in the room (XMPP not-acceptable; IRC 442).
    case notInRoom
    /// The occupant's role or affiliation does not allow it (XMPP forbidden; IRC 482).
    case notAllowed
    /// No such occupant (XMPP item-not-found; IRC 441).
    case noSuchOccupant
    /// No such room (XMPP item-not-found; IRC 403).
    case noSuchRoom
    /// The room was just created and waits for its owner's configuration (XEP-0045
    /// §10.1.1: XMPP item-not-found; IRC 437).
    case locked
    /// Visitors may not speak in a moderated room (XMPP forbidden; IRC 404).
    case cannotSpeak
    /// The room's ban list holds `RoomBan.maximumPerRoom` masks (XMPP resource-constraint;
    /// IRC 478).
    case banListFull
    /// The session is in `ChatServiceConfiguration.maxRoomsPerSession` rooms already
    /// (XMPP resource-constraint; IRC 405).
    case tooManyRooms
    /// The service holds its most rooms (`maxRooms`), or its most persistent rooms
    /// (`maxPersistentRooms`), and cannot create this one or make it persistent (XMPP
    /// resource-constraint; IRC 405 on JOIN and MODE +P).
    case roomLimitReached
    /// The session enters rooms or changes its room presence faster than
    /// `ChatServiceConfiguration.roomPresencePerSecond` allows (XMPP policy-violation,
    /// wait; IRC 263).
    case tooFast
    /// The request is malformed or out of bounds (XMPP bad-request; IRC 461).
    case invalid(String)
    /// The session was closed before or during the operation.
    case sessionClosed
}

/// Why an occupant left a room, as the remaining occupants are told.
public enum LeaveReason: Sendable, Equatable {
    /// The occupant left by itself, with an optional parting message.
    case left(String?)
    /// A moderator kicked it (XEP-0045 §8.2 status 307; IRC KICK); `by` is nil when the
    /// service did it.
    case kicked(by: RoomActor?, reason: String?)
    /// An admin banned the user (status 301; IRC +b then KICK); `by` is nil when the
    /// service did it.
    case banned(by: RoomActor?, reason: String?)
    /// Its session could not be reached any more (status 333, XEP-0045 §9.x).
    case deliveryFailed
    /// Its affiliation was removed in a members-only room (status 321).
    case membershipRevoked
    /// The service is shutting down (status 332).
    case shutdown
    /// An owner destroyed the room (XEP-0045 §10.9), with a reason and the address of an
    /// alternate venue, if given.
    case destroyed(reason: String?, alternate: String?)
    /// The session ended, with its closing text if any: IRC QUIT, an XMPP stream closing or
    /// unavailable presence (XEP-0045 §7.14). IRC shows it as one QUIT per peer, not a PART
    /// per channel.
    case disconnected(String?)
}

/// Everything a newcomer is sent on entering a room.
public struct RoomSnapshot: Sendable, Equatable {
    public var room: RoomID
    /// The newcomer itself, as the others see it.
    public var you: Occupant
    /// Every occupant, the newcomer included.
    public var occupants: [Occupant]
    public var topic: Topic?
    public var history: [Message]
    public var configuration: RoomConfiguration
    /// True when this join created the room (XEP-0045 status 201; IRC channel creation).
    public var created: Bool

    public init(
        room: RoomID, you: Occupant, occupants: [Occupant], topic: Topic?, history: [Message],
        configuration: RoomConfiguration, created: Bool
    ) {
        self.room = room
        self.you = you
        self.occupants = occupants
        self.topic = topic
        self.history = history
        self.configuration = configuration
        self.created = created
    }
}

/// What happens in a room, as told to the sessions in it. Every event that someone caused
/// names them as a `RoomActor` (session and occupant): the joiner, the sender, the
/// moderator who kicked, the admin who reconfigured.
public enum RoomEvent: Sendable, Equatable {
    /// You entered; everything you need to show the room.
    case entered(RoomSnapshot)
    /// An occupant entered, from the actor's session (its first in the room).
    case occupantJoined(RoomActor)
    /// Nick, role, affiliation or presence of an occupant changed. `by` is who changed it:
    /// the occupant itself (nick, presence; from the session that asked), or a moderator or
    /// admin (XEP-0045 §8/§9 `<actor nick=…/>`; IRC: the MODE line's source); nil when the
    /// service did it.
    case occupantChanged(old: Occupant, new: Occupant, by: RoomActor?)
    /// An occupant (or some of its sessions, listed in `sessions`) left; a kick or ban
    /// names who did it in the reason.
    case occupantLeft(Occupant, LeaveReason)
    /// A message to every occupant, from the occupant who sent it (`message.from` is
    /// `.occupant`); `from` is nil for a sender outside the room (IRC −n), whose session
    /// is `message.from`.
    case message(Message, from: RoomActor?)
    /// A private message between two occupants.
    case privateMessage(from: RoomActor, Message)
    /// The subject changed; `by` is the occupant who set it, nil when the service did.
    case topicChanged(Topic, by: RoomActor?)
    /// The room's configuration changed; `by` is the occupant who changed it (IRC: the MODE
    /// line's source), nil when the service did it.
    case configurationChanged(RoomConfiguration, by: RoomActor?)
    /// A ban mask was added to or removed from the room's list (IRC MODE ±b).
    case banListChanged(RoomBan, added: Bool, by: RoomActor?)
    /// A visitor asks the moderators for voice (XEP-0045 §7.13); sent to moderators only.
    case voiceRequested(Occupant)
}
