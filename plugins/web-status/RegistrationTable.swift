import ParleyCore

/// Every registration of one component, by user and by page id: the value the store
/// writes and reads, and the board serves.
public struct RegistrationTable: Sendable, Equatable {
    private var byUser: [UserID: StatusRegistration] = [:]
    private var byID: [String: UserID] = [:]

    public init() {}

    public init(_ registrations: some Sequence<StatusRegistration>) {
        for registration in registrations { upsert(registration) }
    }

    public var count: Int { byUser.count }
    public var isEmpty: Bool { byUser.isEmpty }

    /// Every registration, sorted by address (the file's order).
    public var all: [StatusRegistration] { byUser.values.sorted { $0.user < $1.user } }

    /// The registration of `user`.
    public subscript(user: UserID) -> StatusRegistration? { byUser[user] }

    /// The registration whose page id is `id`.
    public func registration(forID id: String) -> StatusRegistration? {
        byID[id].flatMap { byUser[$0] }
    }

    /// Whether a registration already uses `id`.
    public func containsID(_ id: String) -> Bool { byID[id] != nil }

    /// Adds or replaces the registration of `registration.user` (and its id).
    public mutating func upsert(_ registration: StatusRegistration) {
        if let old = byUser[registration.user] { byID[old.id] = nil }
        byUser[registration.user] = registration
        byID[registration.id] = registration.user
    }

    /// Removes the registration of `user`; returns it.
    @discardableResult
    public mutating func remove(_ user: UserID) -> StatusRegistration? {
        guard let old = byUser.removeValue(forKey: user) else { return nil }
        byID[old.id] = nil
        return old
    }
}
