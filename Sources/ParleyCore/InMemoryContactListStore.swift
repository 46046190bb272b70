import Synchronization

/// Contact lists kept in memory only: for tests, bots and `memory:` credentials.
public final class InMemoryContactListStore: ContactListStore {
    private let lists = Mutex<[Username: ContactList]>([:])

    public init() {}

    public func contactList(of user: Username) async throws -> ContactList {
        lists.withLock { $0[user] ?? ContactList() }
    }

    public func updateContactList<Result: Sendable>(
        of user: Username, _ change: @Sendable (inout ContactList) throws -> Result
    ) async throws -> Result {
        try lists.withLock { lists in
            var list = lists[user] ?? ContactList()
            let result = try change(&list)
            lists[user] = list
            return result
        }
    }
}
