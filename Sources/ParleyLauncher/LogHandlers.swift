import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line to standard error:
/// `{"time":…,"level":…,"label":…,"message":…, …metadata}`. For log shippers.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let output: JSONLogOutput

    public init(label: String, output: JSONLogOutput = .standardError) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line = "{\"time\":\(Self.quote(Self.timestamp()))"
        line += ",\"level\":\(Self.quote(event.level.rawValue))"
        line += ",\"label\":\(Self.quote(label))"
        line += ",\"message\":\(Self.quote(event.message.description))"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += ",\(Self.quote(key)):\(Self.quote(value.description))"
        }
        line += "}\n"
        output.write(line)
    }

    /// A JSON string literal for `text` (RFC 8259 §7 escaping).
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Where JSON log lines go; serialized so lines from several threads never interleave.
public final class JSONLogOutput: Sendable {
    private let lock = Mutex(())
    private let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public static let standardError = JSONLogOutput(descriptor: 2)

    func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written <= 0 { return }
                offset += written
            }
            _ = bytes.count
            bytes.removeAll()
        }
    }
}

/// Sets up swift-log once per process with the chosen format, and holds the process-wide
/// level, which SIGHUP may change while running.
public enum LogSetup {
    private static let current = Atomic<UInt8>(UInt8(Logger.Level.allCases.firstIndex(of: .info)!))

    /// The least severe level logged, for every logger, now.
    public static var level: Logger.Level {
        get { Logger.Level.allCases[Int(current.load(ordering: .relaxed))] }
        set { current.store(UInt8(Logger.Level.allCases.firstIndex(of: newValue)!), ordering: .relaxed) }
    }

    /// Bootstraps logging once per process.
    public static func bootstrap(format: LauncherSettings.LogFormat, level: Logger.Level) {
        self.level = level
        LoggingSystem.bootstrap { label in
            switch format {
            case .text: SharedLevel(base: StreamLogHandler.standardError(label: label))
            case .json: SharedLevel(base: JSONLogHandler(label: label))
            }
        }
    }

    /// Wraps a handler so that its level is always the process-wide one.
    struct SharedLevel<Base: LogHandler>: LogHandler {
        var base: Base
        var logLevel: Logger.Level {
            get { LogSetup.level }
            set { LogSetup.level = newValue }
        }
        var metadata: Logger.Metadata {
            get { base.metadata }
            set { base.metadata = newValue }
        }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { base[metadataKey: key] }
            set { base[metadataKey: key] = newValue }
        }
        func log(event: LogEvent) {
            var base = base
            base.logLevel = .trace
            base.log(event: event)
        }
    }
}
