import Foundation
import Testing

/// docs/components.md quotes the echo bot and its plugin in full: they must stay in sync.
@Suite struct ComponentsDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The fenced Swift blocks of the page, in order.
    static func swiftBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" {
                current = []
            } else if let block = current, line == "```" {
                blocks.append(block.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func theGuideQuotesEchoBotAndEchoPluginExactly() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/components.md"), encoding: .utf8)
        let blocks = Self.swiftBlocks(page)
        for file in ["plugins/echo/EchoBot.swift", "plugins/echo/EchoPlugin.swift"] {
            let source = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            #expect(blocks.contains(source), "docs/components.md no longer quotes \(file) as it is")
        }
    }
}
