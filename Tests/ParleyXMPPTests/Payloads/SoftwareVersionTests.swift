import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0092 software version")
struct SoftwareVersionTests {
    @Test("round trip with and without os")
    func roundTrip() throws {
        for version in [
            SoftwareVersion(name: "Parley", version: "0.3.0", os: "Linux"),
            SoftwareVersion(name: "Parley", version: "0.3.0"),
        ] {
            let element = version.element
            #expect(
                element.elements.map(\.name) == (version.os == nil ? ["name", "version"] : ["name", "version", "os"]))
            #expect(try SoftwareVersion(element: XMLStreamParser.parseDocument(element.serialized())) == version)
        }
    }

    @Test("parses the XEP's example result")
    func literal() throws {
        let version = try SoftwareVersion(
            element: payloadXML(
                "<query xmlns='jabber:iq:version'><name>Exodus</name><version>0.7.0.4</version><os>Windows-XP 5.01.2600</os></query>"
            ))
        #expect(version == SoftwareVersion(name: "Exodus", version: "0.7.0.4", os: "Windows-XP 5.01.2600"))
    }

    @Test("the request is an empty query; a result missing name or version is a bad request")
    func requestAndErrors() throws {
        #expect(SoftwareVersion.isRequest(SoftwareVersion.request))
        #expect(!SoftwareVersion.isRequest(SoftwareVersion(name: "a", version: "b").element))
        for xml in [
            "<query xmlns='jabber:iq:version'><name>a</name></query>",
            "<query xmlns='jabber:iq:version'><version>1</version></query>",
            "<query xmlns='jabber:iq:register'><name>a</name><version>1</version></query>",
        ] {
            let element = try payloadXML(xml)
            #expect(caughtStanzaError { _ = try SoftwareVersion(element: element) }?.condition == .badRequest, "\(xml)")
        }
    }
}
