import Foundation
import ParleyCore
import ParleyCred
import Testing

@testable import ParleyLauncher

/// A checker that knows nobody and gives everyone the same shared colleague, as an LDAP
/// store with groups would.
private struct GroupsOnlyChecker: CredentialChecker, SharedGroupSource {
    var acceptedCredentials: [any Credentials.Type] { [UsernamePassword.self] }
    func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        throw .unknownUser("anyone")
    }
    func sharedContacts(of user: Username) async throws -> (contacts: [SharedContact], generation: UInt32) {
        ([SharedContact(user: Username("colleague")!, name: "Colleague", groups: ["Team"])], 7)
    }
}

@Suite struct ContactStoreChoiceTests {
    private func settings(storage: String) -> LauncherSettings {
        var settings = LauncherSettings()
        settings.storage = storage
        settings.domain = "example.test"
        return settings
    }

    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "parley-contacts-" + UUID().uuidString
    }

    @Test func withoutGroupSourcesTheFirstContactStoreIsUsed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = try FlatFileStore(directory: path)
        let store = try Launcher.makeContactStore(checkers: [files], settings: settings(storage: path))
        #expect((store as? FlatFileStore) === files)
        let memory = try Launcher.makeContactStore(checkers: [AnonymousChecker()], settings: settings(storage: path))
        #expect(memory is InMemoryContactListStore)
    }

    @Test func aGroupSourceAloneGetsFlatFilesUnderStorageAndTheOverlay() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Launcher.makeContactStore(checkers: [GroupsOnlyChecker()], settings: settings(storage: path))
        let shared = try #require(store as? SharedGroupContactStore)
        #expect(shared.base is FlatFileStore)
        #expect(shared.domain == "example.test")
        let alice = Username("alice")!
        let colleague = UserID(localpart: "colleague", domain: "example.test")
        #expect(try await store.contactList(of: alice)[colleague]?.groups == ["Team"])
        // A personal rename lands in the storage folder's contact file.
        try await store.updateContactList(of: alice) { list in
            var entry = list[colleague]!
            entry.name = "Col"
            list.upsert(entry)
        }
        let files = try FlatFileStore(directory: path)
        #expect(try await files.contactList(of: alice)[colleague]?.name == "Col")
    }

    @Test func aGroupSourceAfterAFileStoreOverlaysTheFileStore() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = try FlatFileStore(directory: path)
        let store = try Launcher.makeContactStore(
            checkers: [GroupsOnlyChecker(), files], settings: settings(storage: path + "-unused"))
        let shared = try #require(store as? SharedGroupContactStore)
        #expect((shared.base as? FlatFileStore) === files)
        #expect(shared.sources.count == 1)
        #expect(!FileManager.default.fileExists(atPath: path + "-unused"))
    }
}
