/// The sessions of one `UserHome`, keyed by session name. Most users hold one session, so
/// the first is kept inline and a dictionary is made only when a second one opens (an idle
/// user's memory is a target, docs/benchmarks-irc.md); it is freed again when the user is
/// back to one session.
struct UserHomeSessions {
    typealias Entry = UserHome.Entry
    /// Set whenever there is at least one entry.
    private var single: Entry?
    /// Every entry but `single`; empty (no storage) while there is at most one.
    private var more: [String: Entry] = [:]

    init() {}

    private func name(_ entry: Entry) -> String { entry.session.id.resource }

    var count: Int { single == nil ? 0 : 1 + more.count }
    var isEmpty: Bool { single == nil }

    subscript(resource: String) -> Entry? {
        get {
            if let single, name(single) == resource { return single }
            return more.isEmpty ? nil : more[resource]
        }
        set {
            if let single, name(single) == resource {
                self.single = newValue
                if newValue == nil { refill() }
            } else if let newValue {
                if single == nil {
                    single = newValue
                } else {
                    more[resource] = newValue
                }
            } else if !more.isEmpty {
                more[resource] = nil
                if more.isEmpty { more = [:] }  // give the storage back
            }
        }
    }

    /// After `single` went: promote one of the others, and free the dictionary when empty.
    private mutating func refill() {
        guard let (resource, entry) = more.first else { return }
        more[resource] = nil
        single = entry
        if more.isEmpty { more = [:] }
    }

    /// Every entry (the one inline first).
    var values: [Entry] {
        guard let single else { return [] }
        if more.isEmpty { return [single] }
        return [single] + more.values
    }
}
