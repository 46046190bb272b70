import Foundation

/// A failure with a message, for test helpers.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A temporary directory removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String
    public init() throws {
        path = NSTemporaryDirectory() + "parley-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
