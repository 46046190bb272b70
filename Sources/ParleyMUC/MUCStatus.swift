/// The status codes of XEP-0045 §15.6 that this service sends.
public enum MUCStatus: Int, Sendable, Hashable {
    /// §7.2.3 (in self-presence): every occupant may see every occupant's full JID.
    case nonAnonymous = 100
    /// §7.2.2: this presence is about you.
    case selfPresence = 110
    /// §10.2: the room's configuration changed (a privacy-related change).
    case configurationChanged = 104
    /// §10.1.1: the room was created by this join.
    case created = 201
    /// §7.6.3: the occupant changed its nick; `<item nick='new'/>` names the new one.
    case nickChanged = 303
    /// §9.1: the occupant was banned.
    case banned = 301
    /// §8.2: the occupant was kicked.
    case kicked = 307
    /// §9.4: removed because of an affiliation change (membership revoked).
    case affiliationChange = 321
    /// §9.4 / §15.6: removed because the service is shutting down.
    case shutdown = 332
    /// XEP-0045 §15.6 (333, from XEP-0410's use): removed because of a technical problem.
    case technicalRemoval = 333
}
