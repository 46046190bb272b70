import Foundation
import Testing

@testable import XMPPS2SPlugin

/// docs/s2s.md stays true to the plugin: every option is in its table with its default.
@Suite struct S2SDocsTests {
    @Test func everyOptionIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/s2s.md"), encoding: .utf8)
        for option in XMPPS2SPlugin.options {
            #expect(doc.contains("`\(option.name)`"), "docs/s2s.md does not describe \(option.name)")
        }
    }
}
