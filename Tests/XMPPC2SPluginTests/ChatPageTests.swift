import Foundation
import HTTPTypes
import Testing

@testable import XMPPC2SPlugin

/// The chat page's files and response fields (`/chat`): what is built in, what the browser
/// is told about each file, and the folder option.
@Suite struct ChatPageTests {
    private var page: ChatPageFiles { .builtIn }

    @Test func theBuiltInPageIsThreeFilesUnder100KB() throws {
        #expect(Set(page.files.keys) == ["index.html", "chat.css", "chat.js"])
        #expect(page.totalBytes > 5_000 && page.totalBytes < 100_000, "\(page.totalBytes) bytes")
        #expect(page.files["chat.js"]?.contentType == "text/javascript; charset=utf-8")
        #expect(page.files["chat.css"]?.contentType == "text/css; charset=utf-8")
        #expect(page.files["index.html"]?.contentType == "text/html; charset=utf-8")
    }

    /// No request leaves the origin: no absolute URL in what the page loads, no inline
    /// script or style (the CSP refuses them), and no HTML parsing of strings in the script.
    @Test func thePageNamesNoOtherOriginAndParsesNoHTML() throws {
        for (name, file) in page.files {
            let text = String(decoding: file.body, as: UTF8.self)
            // The only `http://` strings are XML namespace names, which are never fetched.
            let urls = text.components(separatedBy: "http://").dropFirst()
            #expect(urls.allSatisfy { $0.hasPrefix("etherx.jabber.org/streams'") || $0.hasPrefix("jabber.org/protocol/muc") }, "\(name)")
            #expect(!text.contains("https://") && !text.contains("//cdn"), "\(name)")
            #expect(!text.contains("@import") && !text.contains("url("), "\(name)")
        }
        let html = String(decoding: page.files["index.html"]!.body, as: UTF8.self)
        #expect(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"))
        let script = String(decoding: page.files["chat.js"]!.body, as: UTF8.self)
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            #expect(!script.contains(sink), "\(sink)")
        }
    }

    @Test func theDocumentCarriesTheSecurityFields() throws {
        let file = try #require(page.files["index.html"])
        let fields = ChatPageHeaders.fields(for: file, name: "index.html", authority: "127.0.0.1:5280")
        let csp = try #require(fields[.contentSecurityPolicy])
        #expect(csp.hasPrefix("default-src 'self'; script-src 'self'; style-src 'self';"))
        #expect(csp.contains("connect-src 'self' ws://127.0.0.1:5280 wss://127.0.0.1:5280;"))
        #expect(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"))
        #expect(fields[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        #expect(fields[HTTPField.Name("X-Frame-Options")!] == "DENY")
        #expect(fields[.cacheControl] == "no-cache")
        #expect(fields[.eTag] == file.etag)
        #expect(fields[.contentType] == "text/html; charset=utf-8")
        // The script and the style sheet: nosniff too, no CSP of their own.
        let script = ChatPageHeaders.fields(for: page.files["chat.js"]!, name: "chat.js", authority: nil)
        #expect(script[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        #expect(script[.contentSecurityPolicy] == nil)
    }

    /// A `Host` that is not a plain authority never reaches the policy.
    @Test func aHostileHostStaysOutOfThePolicy() {
        for host in ["evil.test; script-src *", "a b", "x'y", ""] {
            #expect(ChatPageHeaders.contentSecurityPolicy(authority: host).contains("connect-src 'self'; "), "\(host)")
        }
        #expect(ChatPageHeaders.contentSecurityPolicy(authority: nil).contains("connect-src 'self'; "))
    }

    @Test func revalidationByEntityTag() {
        let etag = ChatPageFiles.etag(Array("hello".utf8))
        #expect(etag.count == 18 && etag.hasPrefix("\"") && etag.hasSuffix("\""))
        #expect(etag != ChatPageFiles.etag(Array("hellp".utf8)))
        #expect(ChatPageHeaders.notModified(ifNoneMatch: etag, etag: etag))
        #expect(ChatPageHeaders.notModified(ifNoneMatch: "\"other\", \(etag)", etag: etag))
        #expect(ChatPageHeaders.notModified(ifNoneMatch: "*", etag: etag))
        #expect(!ChatPageHeaders.notModified(ifNoneMatch: "\"other\"", etag: etag))
        #expect(!ChatPageHeaders.notModified(ifNoneMatch: nil, etag: etag))
    }

    @Test func theConfigDocumentNamesTheDomains() throws {
        let json = try JSONSerialization.jsonObject(
            with: Data(ChatPageRoute.configDocument(domain: "example.org", roomsDomain: "rooms.example.org")))
        #expect((json as? [String: String]) == ["domain": "example.org", "rooms": "rooms.example.org"])
    }

    /// `http-chat-page-dir`: the three files of a folder replace the built-in ones; a folder
    /// without one of them is refused at start.
    @Test func aFolderReplacesThePage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chatpage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "<!doctype html><title>ours</title>".write(to: dir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "body{}".write(to: dir.appendingPathComponent("chat.css"), atomically: true, encoding: .utf8)
        #expect(throws: ChatPageError.self) { try ChatPageFiles(directory: dir.path) }
        try "'use strict';".write(to: dir.appendingPathComponent("chat.js"), atomically: true, encoding: .utf8)
        let files = try ChatPageFiles(directory: dir.path)
        #expect(files.files["index.html"]?.body == Array("<!doctype html><title>ours</title>".utf8))
        #expect(files.files["chat.js"]?.contentType == "text/javascript; charset=utf-8")
    }
}
