import ParleyCred

/// Why the pubsub store refused or failed an operation.
public enum PubSubStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A node or item id that may not name anything (`PubSubLimits.isAcceptableID`):
    /// refused before anything touches the disk.
    case unacceptableID(String)
    /// Reading or writing a file failed, or a file does not read back.
    case store(StoreError)

    public var description: String {
        switch self {
        case .unacceptableID(let id):
            // The id may be long or hold control characters: show a short, escaped form.
            "unacceptable id \(String(id.unicodeScalars.prefix(64).map { $0.escaped(asASCII: true) }.joined()).debugDescription)"
        case .store(let error): "\(error)"
        }
    }
}
