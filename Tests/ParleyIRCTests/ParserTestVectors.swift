import Foundation
import Testing

/// Loads the irc-parser-tests YAML vectors (PyPI `irc-parser-tests`, installed into
/// `.venv` by `scripts/install-peers`), converted to JSON by the venv's Python at test time.
enum ParserTestVectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The package root: the nearest folder above this file holding `Package.swift`.
    static func packageRoot() -> URL? {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return nil
    }

    /// The `tests` list of one vector file, as JSON objects.
    static func load(_ name: String) throws -> [[String: Any]] {
        guard let root = packageRoot() else { throw Missing(description: "no Package.swift above \(#filePath)") }
        let lib = root.appendingPathComponent(".venv/lib")
        let pythons = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        let data = pythons.filter { $0.hasPrefix("python3") }.sorted().map {
            lib.appendingPathComponent($0).appendingPathComponent("site-packages/parser_tests/data")
        }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(name).path) }
        guard let data else {
            throw Missing(
                description: "irc-parser-tests vectors not found under \(lib.path)/python3*/site-packages/"
                    + "parser_tests/data: run scripts/install-peers")
        }
        let process = Process()
        process.executableURL = root.appendingPathComponent(".venv/bin/python")
        process.arguments = [
            "-c", "import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
            data.appendingPathComponent(name).path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
            let tests = object["tests"] as? [[String: Any]]
        else { throw Missing(description: "could not convert \(name) (run scripts/install-peers)") }
        return tests
    }
}
