#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One run's outcome, printed the same way by every load tool: one JSON object on stdout
/// (for the scripts/bench-* scripts), one line for people on stderr, and exit status 1
/// when it failed.
public struct LoadReport {
    private var fields: [(String, String)] = []

    public init() {}

    public mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    public mutating func add(_ key: String, _ value: Double, places: Int = 2) { fields.append((key, Self.format(value, places: places))) }
    public mutating func add(_ key: String, _ value: String) { fields.append((key, "\"" + Self.escape(value) + "\"")) }

    /// A JSON object of counts, e.g. failures by reason.
    public mutating func add(_ key: String, counts: [String: Int]) {
        let body = counts.sorted { $0.key < $1.key }.map { "\"\(Self.escape($0.key))\":\($0.value)" }
        fields.append((key, "{" + body.joined(separator: ",") + "}"))
    }

    /// Prints the report as `tool`'s outcome for `mode`, and ends the process with exit
    /// status 1 unless `ok`.
    public func emit(tool: String, mode: String, ok: Bool, error: String? = nil) {
        var parts = ["\"mode\":\"\(mode)\"", "\"ok\":\(ok)"] + fields.map { "\"\($0.0)\":\($0.1)" }
        if let error { parts.append("\"error\":\"\(Self.escape(error))\"") }
        writeAll(1, "{" + parts.joined(separator: ",") + "}\n")
        let human = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        note("\(tool) \(mode): " + (ok ? human : "FAILED: \(error ?? "?") (\(human))"))
        if !ok { exit(1) }
    }

    public static func format(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var fraction = String(scaled % Int(scale))
        while fraction.count < places { fraction = "0" + fraction }
        return (value < 0 && scaled != 0 ? "-" : "") + String(whole) + (places > 0 ? "." + fraction : "")
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A line for people on stderr.
public func note(_ line: String) { writeAll(2, line + "\n") }

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}
