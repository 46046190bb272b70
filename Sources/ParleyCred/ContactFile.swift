import ParleyCore

/// A contact list as stored in `contacts/<name>.contacts` (docs/storage.md):
///
///     # parley-contacts 1
///     version = 4
///
///     [contact juliet@example.com]
///     name = Juliet
///     group = Friends
///     subscription = both
///
///     [contact nurse@example.com]
///     subscription = none
///     pending-out = yes
enum ContactFile {
    static let header = "# parley-contacts 1"
    /// Larger files are refused without being read.
    static let maximumFileBytes = 16 * 1024 * 1024

    static func serialize(_ list: ContactList) -> [UInt8] {
        var text = header + "\n"
        text += "version = \(list.version)\n"
        for contact in list.sorted {
            text += "\n[contact \(contact.address)]\n"
            if let name = contact.name { text += "name = \(TextFormat.escape(name))\n" }
            for group in contact.groups.sorted() { text += "group = \(TextFormat.escape(group))\n" }
            let subscription = contact.subscription
            text += "subscription = \(subscription.summary)\n"
            if subscription.pendingIn { text += "pending-in = yes\n" }
            if subscription.pendingOut { text += "pending-out = yes\n" }
            if subscription.preApproved { text += "pre-approved = yes\n" }
        }
        return Array(text.utf8)
    }

    /// The fields of one `[contact …]` section while it is read.
    private struct Section {
        var line: Int
        var address: UserID
        var name: String?
        var groups: Set<String> = []
        var subscription: String?
        var flags: [String: Bool] = [:]
    }

    static func parse(_ bytes: [UInt8], path: String) throws(StoreError) -> ContactList {
        var version: UInt64?
        var contacts: [UserID: Contact] = [:]
        var section: Section?

        func finish(_ section: Section) throws(StoreError) {
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: section.line, reason: reason) }
            guard let summary = section.subscription else { throw fail("contact \(section.address) has no 'subscription'") }
            let to = summary == "to" || summary == "both"
            let from = summary == "from" || summary == "both"
            let pendingIn = section.flags["pending-in"] ?? false
            let pendingOut = section.flags["pending-out"] ?? false
            let preApproved = section.flags["pre-approved"] ?? false
            // RFC 6121 Appendix A: these combinations cannot exist.
            if to && pendingOut { throw fail("pending-out contradicts subscription = \(summary)") }
            if from && pendingIn { throw fail("pending-in contradicts subscription = \(summary)") }
            if from && preApproved { throw fail("pre-approved contradicts subscription = \(summary)") }
            contacts[section.address] = Contact(
                address: section.address, name: section.name, groups: section.groups,
                subscription: Subscription(
                    to: to, from: from, pendingOut: pendingOut, pendingIn: pendingIn, preApproved: preApproved))
        }

        for (number, line) in try TextFormat.parse(bytes, header: header, path: path) {
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: number, reason: reason) }
            switch line {
            case .section(let title):
                guard version != nil else { throw fail("'version' must come before the first contact") }
                guard title.hasPrefix("contact ") else { throw fail("unknown section '[\(title.prefix(40))]'") }
                let addressText = TextFormat.trim(title.dropFirst("contact ".count))
                guard let address = UserID(parsing: String(addressText)) else {
                    throw fail("'\(addressText.prefix(80))' is not an address")
                }
                if let previous = section { try finish(previous) }
                guard contacts[address] == nil else { throw fail("contact \(address) is listed twice") }
                section = Section(line: number, address: address)
            case .pair(let key, let value):
                guard var current = section else {
                    guard key == "version" else { throw fail("unknown key '\(key)' before the first contact") }
                    guard version == nil else { throw fail("duplicate 'version'") }
                    guard value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = UInt64(value) else {
                        throw fail("'version' must be a non-negative integer")
                    }
                    version = number
                    continue
                }
                switch key {
                case "name":
                    guard current.name == nil else { throw fail("duplicate 'name'") }
                    guard !value.isEmpty else { throw fail("empty 'name'") }
                    current.name = value
                case "group":
                    guard !value.isEmpty else { throw fail("empty 'group'") }
                    guard current.groups.insert(value).inserted else { throw fail("group '\(value.prefix(40))' listed twice") }
                case "subscription":
                    guard current.subscription == nil else { throw fail("duplicate 'subscription'") }
                    guard ["none", "to", "from", "both"].contains(value) else {
                        throw fail("subscription must be none, to, from or both")
                    }
                    current.subscription = value
                case "pending-in", "pending-out", "pre-approved":
                    guard current.flags[key] == nil else { throw fail("duplicate '\(key)'") }
                    guard let flag = TextFormat.boolean(value) else { throw fail("'\(key)' must be yes or no") }
                    current.flags[key] = flag
                default:
                    throw fail("unknown key '\(key)'")
                }
                section = current
            }
        }
        if let section { try finish(section) }
        guard let version else { throw .corruptFile(path: path, line: 0, reason: "no 'version' line") }
        return ContactList(contacts: Array(contacts.values), version: version)
    }
}
