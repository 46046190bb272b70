import Foundation
import ParleyCore
import Testing
import WebStatusPlugin

@Suite("web-status page rendering")
struct StatusPageTests {
    @Test func userTextIsEscapedInTheHTML() {
        let hostile = #"<script>alert("x")</script> & 'quoted'"#
        let html = StatusPage.html(StatusView(availability: "dnd", status: hostile, jid: "a&b@example.com"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;"))
        #expect(html.contains("a&amp;b@example.com"))
        #expect(html.contains(#"class="parley-status parley-dnd""#))
        #expect(html.contains("Do not disturb"))
        #expect(StatusPage.escape("plain text ü") == "plain text ü")
    }

    @Test func hiddenPartsAreAbsentFromTheHTML() {
        let html = StatusPage.html(StatusView(availability: "offline"))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Offline"))
        #expect(!html.contains("parley-message"))
        #expect(!html.contains("parley-jid"))
    }

    @Test func theJSONHasAvailabilityAlwaysAndTheRestOnlyWhenShown() throws {
        func object(_ view: StatusView) throws -> [String: String] {
            try #require(JSONSerialization.jsonObject(with: Data(StatusPage.json(view))) as? [String: String])
        }
        #expect(try object(StatusView(availability: "away")) == ["availability": "away"])
        #expect(
            try object(StatusView(availability: "away", status: "in a \"meeting\" </script>", jid: "alice@example.com"))
                == ["availability": "away", "status": "in a \"meeting\" </script>", "jid": "alice@example.com"])
        let text = String(decoding: StatusPage.json(StatusView(availability: "xa", status: "s", jid: "j")), as: UTF8.self)
        #expect(text == #"{"availability":"xa","jid":"j","status":"s"}"#, "sorted keys, compact")
    }

    @Test(arguments: [
        (Availability.available, "online"), (.chat, "chat"), (.away, "away"), (.xa, "xa"), (.dnd, "dnd"),
        (.unavailable, "offline"),
    ])
    func availabilityWords(availability: Availability, word: String) {
        #expect(StatusView.availability(of: Presence(availability)) == word)
    }
}
