import Foundation
import Testing

/// The modules a line imports, if it is an import declaration: handles attributes
/// (`@preconcurrency import X`), access levels (`public import X`), and kinds
/// (`import struct NIOCore.ByteBuffer`).
func importedModule(in line: String) -> String? {
    var words = line.split(whereSeparator: \.isWhitespace).map(String.init)
    while let first = words.first, first.hasPrefix("@") || ["public", "package", "internal", "fileprivate", "private"].contains(first) {
        words.removeFirst()
    }
    guard words.first == "import", words.count >= 2 else { return nil }
    var path = words[1]
    if ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"].contains(path), words.count >= 3 {
        path = words[2]
    }
    return path.split(separator: ".").first.map(String.init)
}

/// Whether a module is one the protocol-agnostic model must not see.
func isForbiddenInModel(_ module: String) -> Bool {
    module.hasPrefix("NIO") || module == "ParleyXML" || module == "CLibXML2"
}

@Suite("The model imports no NIO, no XML")
struct ModelPurityTests {
    static let sources: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent()  // ParleyCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Sources/ParleyCore", isDirectory: true)

    @Test func importDetectorRecognizesEveryForm() {
        #expect(importedModule(in: "import NIOCore") == "NIOCore")
        #expect(importedModule(in: "  @preconcurrency import NIOPosix") == "NIOPosix")
        #expect(importedModule(in: "public import ParleyXML") == "ParleyXML")
        #expect(importedModule(in: "@_exported public import CLibXML2") == "CLibXML2")
        #expect(importedModule(in: "import struct NIOCore.ByteBuffer") == "NIOCore")
        #expect(importedModule(in: "// import NIOCore") == nil)
        #expect(importedModule(in: "let important = 1") == nil)
        #expect(isForbiddenInModel("NIO"))
        #expect(isForbiddenInModel("NIOEmbedded"))
        #expect(isForbiddenInModel("ParleyXML"))
        #expect(isForbiddenInModel("CLibXML2"))
        #expect(!isForbiddenInModel("Foundation"))
        #expect(!isForbiddenInModel("Synchronization"))
    }

    @Test func parleyCoreImportsNoNIOAndNoXML() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.sources, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" }
        // Every file of the model is looked at (16 when this test was written).
        #expect(files.count >= 16)
        var modules: Set<String> = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let module = importedModule(in: String(line)) else { continue }
                modules.insert(module)
                #expect(!isForbiddenInModel(module), "\(file.lastPathComponent):\(number + 1) imports \(module)")
            }
        }
        // The scan did read imports (the model does use these).
        #expect(modules.isSuperset(of: ["Foundation", "Synchronization", "DequeModule"]))
    }
}
