/// One contact a shared group gives a user: another member, under the group's name.
public struct SharedContact: Hashable, Sendable {
    /// The other member.
    public var user: Username
    /// Their display name from the directory, if it has one.
    public var name: String?
    /// The shared groups both belong to (roster group names).
    public var groups: Set<String>

    public init(user: Username, name: String? = nil, groups: Set<String>) {
        self.user = user
        self.name = name
        self.groups = groups
    }
}

/// Groups whose members all see each other, as ejabberd's shared roster: a directory (LDAP
/// groups) or any store decides who is in which group; `SharedGroupContactStore` lays the
/// result over each user's own contact list.
public protocol SharedGroupSource: Sendable {
    /// The contacts `user` gets from shared groups, and the generation of the group data
    /// they come from: it increases whenever the groups' contents change.
    func sharedContacts(of user: Username) async throws -> (contacts: [SharedContact], generation: UInt32)
}
