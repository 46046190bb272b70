import Logging
import ParleyCore
import Synchronization

/// Shared contact lists from LDAP groups, as ejabberd's mod_shared_roster_ldap: every group
/// entry under `group-base` matching `group-filter` is a roster group named by
/// `group-name-attribute`, whose members (`member-attribute`, DNs or user names per
/// `member-format`) all see each other, under the display names of `name-attribute`.
///
/// One fetch is two searches: the groups, and the users under `base` (to map member DNs
/// to user names and to find display names). The result is a snapshot used for
/// `group-refresh` seconds; the caller that finds it stale gets it at once while one
/// background refresh runs. A refresh that fails (server down, size limit) logs a warning
/// and keeps the old snapshot; only the very first fetch failing reaches the caller.
///
/// Bounds: at most `size-limit` groups and `size-limit` users (the search fails beyond),
/// at most `maximumMembersPerGroup` members per group (the rest dropped, with a warning).
public final class LDAPSharedGroups: SharedGroupSource {
    /// Members read from one group entry at most.
    public static let maximumMembersPerGroup = 10_000

    /// The directory searched.
    public let directory: LDAPDirectory
    private let settings: LDAPSettings
    private let logger: Logger
    private let state = Mutex(State())

    struct State {
        var snapshot: GroupSnapshot?
        var fetchedAt: ContinuousClock.Instant?
        /// The first fetch, shared by every caller that waits for it.
        var firstFetch: Task<GroupSnapshot, any Error>?
        /// The background refresh in flight (never more than one).
        var refresh: Task<Void, Never>?
    }

    public init(directory: LDAPDirectory, logger: Logger = Logger(label: "parley.ldap.groups")) {
        self.directory = directory
        self.settings = directory.settings
        self.logger = logger
    }

    public func sharedContacts(of user: Username) async throws -> (contacts: [SharedContact], generation: UInt32) {
        let snapshot = try await current()
        return (snapshot.contacts(of: user), snapshot.generation)
    }

    /// The snapshot in force, fetching it on first use and starting a background refresh
    /// when it is older than `group-refresh`.
    func current() async throws -> GroupSnapshot {
        enum Next {
            case ready(GroupSnapshot)
            case wait(Task<GroupSnapshot, any Error>)
        }
        let now = ContinuousClock.now
        let next: Next = state.withLock { state in
            if let snapshot = state.snapshot {
                if let fetchedAt = state.fetchedAt, fetchedAt.duration(to: now) >= .seconds(settings.groupRefresh),
                    state.refresh == nil
                {
                    state.refresh = Task { await self.refreshInBackground() }
                }
                return .ready(snapshot)
            }
            if let task = state.firstFetch { return .wait(task) }
            let task = Task { try await self.firstFetch() }
            state.firstFetch = task
            return .wait(task)
        }
        switch next {
        case .ready(let snapshot): return snapshot
        case .wait(let task): return try await task.value
        }
    }

    /// The first fetch: stored on success; on failure cleared so that the next caller tries again.
    private func firstFetch() async throws -> GroupSnapshot {
        do {
            let snapshot = try await fetch(previous: nil)
            state.withLock { state in
                state.snapshot = snapshot
                state.fetchedAt = .now
                state.firstFetch = nil
            }
            logger.info("LDAP shared groups fetched", metadata: snapshot.logMetadata)
            return snapshot
        } catch {
            state.withLock { $0.firstFetch = nil }
            logger.warning(
                "LDAP shared groups unavailable", metadata: ["uri": "\(settings.uri)", "error": "\(error)"])
            throw error
        }
    }

    private func refreshInBackground() async {
        let previous = state.withLock { $0.snapshot }
        do {
            let snapshot = try await fetch(previous: previous)
            state.withLock { state in
                state.snapshot = snapshot
                state.fetchedAt = .now
                state.refresh = nil
            }
            if snapshot.generation != previous?.generation {
                logger.info("LDAP shared groups changed", metadata: snapshot.logMetadata)
            }
        } catch {
            // Keep the old snapshot; try again after another `group-refresh`.
            state.withLock { state in
                state.fetchedAt = .now
                state.refresh = nil
            }
            logger.warning(
                "LDAP shared groups refresh failed; keeping the previous groups",
                metadata: ["uri": "\(settings.uri)", "error": "\(error)"])
        }
    }

    /// Waits for the background refresh in flight, if any (for tests).
    func waitForRefresh() async {
        await state.withLock { $0.refresh }?.value
    }

    /// Fetches now, replacing the snapshot (for tests and for an operator's reload).
    public func refreshNow() async throws {
        let previous = state.withLock { $0.snapshot }
        let snapshot = try await fetch(previous: previous)
        state.withLock { state in
            state.snapshot = snapshot
            state.fetchedAt = .now
        }
    }

    /// Reads groups and users and builds a snapshot; its generation is the previous one's
    /// when nothing changed, else one more.
    func fetch(previous: GroupSnapshot?) async throws(LDAPError) -> GroupSnapshot {
        guard let groupBase = settings.groupBase, let usersBase = settings.usersBase else {
            return GroupSnapshot(groups: [:], names: [:], generation: previous?.generation ?? 0)
        }
        let groupEntries = try await directory.search(
            base: groupBase, scope: .subtree, filter: settings.groupFilter,
            attributes: [settings.groupNameAttribute, settings.memberAttribute], sizeLimit: settings.sizeLimit)
        let userEntries = try await directory.search(
            base: usersBase, scope: .subtree, filter: "(\(settings.userAttribute)=*)",
            attributes: [settings.userAttribute, settings.nameAttribute], sizeLimit: settings.sizeLimit)

        // Users: by normalized DN (member-format dn) and by name.
        var byDN: [String: Username] = [:]
        var displayNames: [Username: String] = [:]
        for entry in userEntries {
            guard let raw = entry.first(settings.userAttribute), let user = Username(raw) else { continue }
            byDN[LDAPDistinguishedName.normalized(entry.dn)] = user
            if let name = entry.first(settings.nameAttribute), !name.isEmpty { displayNames[user] = name }
        }

        var groups: [String: Set<Username>] = [:]
        for entry in groupEntries {
            guard let name = entry.first(settings.groupNameAttribute), !name.isEmpty else {
                logger.warning("LDAP group without a name skipped", metadata: ["dn": "\(entry.dn)"])
                continue
            }
            var values = entry.attributes[settings.memberAttribute.lowercased()] ?? []
            if values.count > Self.maximumMembersPerGroup {
                logger.warning(
                    "LDAP group has too many members; only the first ones are shared",
                    metadata: [
                        "group": "\(name)", "members": "\(values.count)", "limit": "\(Self.maximumMembersPerGroup)",
                    ])
                values.removeLast(values.count - Self.maximumMembersPerGroup)
            }
            var members = groups[name] ?? []
            for value in values {
                let member: Username? =
                    switch settings.memberFormat {
                    case .dn: byDN[LDAPDistinguishedName.normalized(value)]
                    case .uid: Username(value)
                    }
                // A member that is no user (a nested group, a service entry) is skipped.
                if let member { members.insert(member) }
            }
            groups[name] = members
        }
        var names: [Username: String] = [:]
        for members in groups.values {
            for member in members { names[member] = displayNames[member] }
        }
        var snapshot = GroupSnapshot(groups: groups, names: names, generation: 1)
        if let previous {
            snapshot.generation = previous.sameContents(as: snapshot) ? previous.generation : previous.generation &+ 1
        }
        return snapshot
    }
}

/// What one fetch of the groups found: members by roster group name, display names, and
/// the generation. Each user's contacts are derived on demand (a group of n members would
/// otherwise hold n² contacts).
struct GroupSnapshot: Sendable {
    /// Members of each group, by roster group name.
    var groups: [String: Set<Username>]
    /// Display names of members that have one.
    var names: [Username: String]
    var generation: UInt32
    /// The groups of each member.
    let memberships: [Username: [String]]

    init(groups: [String: Set<Username>], names: [Username: String], generation: UInt32) {
        self.groups = groups
        self.names = names
        self.generation = generation
        var memberships: [Username: [String]] = [:]
        for (group, members) in groups {
            for member in members { memberships[member, default: []].append(group) }
        }
        self.memberships = memberships
    }

    func sameContents(as other: GroupSnapshot) -> Bool {
        groups == other.groups && names == other.names
    }

    /// Every other member of `user`'s groups, with the groups they share, sorted by name.
    func contacts(of user: Username) -> [SharedContact] {
        guard let mine = memberships[user] else { return [] }
        var shared: [Username: Set<String>] = [:]
        for group in mine {
            for member in groups[group] ?? [] where member != user {
                shared[member, default: []].insert(group)
            }
        }
        return shared.keys.sorted().map { SharedContact(user: $0, name: names[$0], groups: shared[$0] ?? []) }
    }

    var logMetadata: Logger.Metadata {
        ["groups": "\(groups.count)", "members": "\(memberships.count)", "generation": "\(generation)"]
    }
}

/// DN comparison for member lists (RFC 4514 §2: the string form; RFC 4517 distinguishedNameMatch
/// compares attribute types and values, here approximated by case folding and dropping the
/// spaces around separators).
enum LDAPDistinguishedName {
    /// `dn` lower-cased, without spaces around unescaped `,`, `+` and `=`, or at either end.
    static func normalized(_ dn: String) -> String {
        var result: [Character] = []
        var escaped = false
        /// How many characters at the end of `result` must be kept (escaped ones).
        var protectedLength = 0
        var skipSpaces = true
        for character in dn.lowercased() {
            if escaped {
                result.append(character)
                protectedLength = result.count
                escaped = false
                skipSpaces = false
                continue
            }
            switch character {
            case "\\":
                result.append(character)
                escaped = true
            case ",", "+", "=":
                while result.count > protectedLength, result.last == " " { result.removeLast() }
                result.append(character)
                protectedLength = result.count
                skipSpaces = true
            case " ":
                if !skipSpaces { result.append(character) }
            default:
                result.append(character)
                skipSpaces = false
            }
        }
        while result.count > protectedLength, result.last == " " { result.removeLast() }
        return String(result)
    }
}
