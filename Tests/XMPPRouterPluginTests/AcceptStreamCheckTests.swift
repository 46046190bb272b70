import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPRouterPlugin

/// The component stream header checks (XEP-0114 §2) as a pure function.
@Suite struct AcceptStreamCheckTests {
    var secrets: ComponentSecrets {
        var secrets = ComponentSecrets()
        secrets.set("s", for: "echo.localhost")
        return secrets
    }

    func header(to: String?, namespace: String = XMPPNamespace.component, root: String = XMPPNamespace.streams)
        -> XMLStreamHeader
    {
        XMLStreamHeader(
            name: "stream", namespace: root, prefix: "stream",
            attributes: to.map { [XMLAttribute("to", value: $0)] } ?? [],
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: namespace)])
    }

    func condition(_ result: Result<String, StreamError>) -> StreamError.Condition? {
        if case .failure(let error) = result { return error.condition }
        return nil
    }

    @Test func aConfiguredDomainIsAccepted() throws {
        #expect(try AcceptStreamCheck.domain(in: header(to: "Echo.Localhost"), secrets: secrets).get() == "echo.localhost")
    }

    @Test func refusals() {
        #expect(condition(AcceptStreamCheck.domain(in: header(to: "web.localhost"), secrets: secrets)) == .hostUnknown)
        #expect(condition(AcceptStreamCheck.domain(in: header(to: nil), secrets: secrets)) == .hostUnknown)
        #expect(condition(AcceptStreamCheck.domain(in: header(to: "a@echo.localhost"), secrets: secrets)) == .hostUnknown)
        #expect(
            condition(AcceptStreamCheck.domain(in: header(to: "echo.localhost", namespace: XMPPNamespace.client), secrets: secrets))
                == .invalidNamespace)
        #expect(
            condition(AcceptStreamCheck.domain(in: header(to: "echo.localhost", root: "urn:other"), secrets: secrets))
                == .invalidNamespace)
    }
}
