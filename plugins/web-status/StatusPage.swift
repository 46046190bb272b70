import Foundation

/// The two renderings of a status page (docs/web-status.md): a small HTML document to
/// embed in an `<iframe>`, and a JSON object. Everything the user typed (the status
/// message) and the address are escaped: the page is on the open web.
public enum StatusPage {
    /// What each availability is called on the HTML page.
    static func label(_ availability: String) -> String {
        switch availability {
        case "online": "Online"
        case "chat": "Free to chat"
        case "away": "Away"
        case "xa": "Extended away"
        case "dnd": "Do not disturb"
        default: "Offline"
        }
    }

    /// The HTML document for `view`.
    public static func html(_ view: StatusView) -> String {
        let availability = escape(view.availability)
        var body = "<div class=\"parley-status parley-\(availability)\">"
        body += "<span class=\"parley-availability\">\(escape(label(view.availability)))</span>"
        if let status = view.status { body += " <span class=\"parley-message\">\(escape(status))</span>" }
        if let jid = view.jid { body += " <span class=\"parley-jid\">\(escape(jid))</span>" }
        body += "</div>"
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Presence</title>\
            <style>body{margin:0;font:14px sans-serif}.parley-availability{font-weight:bold}\
            .parley-online .parley-availability,.parley-chat .parley-availability{color:#2a7d2a}\
            .parley-away .parley-availability,.parley-xa .parley-availability{color:#a56a00}\
            .parley-dnd .parley-availability{color:#b22222}.parley-offline .parley-availability{color:#666}</style>\
            </head><body>\(body)</body></html>

            """
    }

    /// Escapes text for HTML element content and double- or single-quoted attribute
    /// values: `&`, `<`, `>`, `"` and `'` become character references.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private struct Document: Encodable {
        let availability: String
        let status: String?
        let jid: String?
    }

    /// The JSON object for `view`: `availability` always, `status` and `jid` only when
    /// shown; keys sorted, UTF-8.
    public static func json(_ view: StatusView) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Document(availability: view.availability, status: view.status, jid: view.jid)))
            ?? Data(#"{"availability":"offline"}"#.utf8)
        return Array(data)
    }
}
