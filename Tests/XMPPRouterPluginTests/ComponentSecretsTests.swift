import ParleyLauncher
import Testing

@testable import XMPPRouterPlugin

/// The `components` option: one secret per domain, every fault naming the key.
@Suite struct ComponentSecretsTests {
    @Test func parsesDomainsAndSecrets() throws {
        let secrets = try ComponentSecrets(
            parsing: "echo.localhost=secret1, Web.Localhost=se=cret2", key: "components", chatDomain: "localhost")
        #expect(secrets.domains == ["echo.localhost", "web.localhost"])
        #expect(secrets.secret(for: "echo.localhost") == "secret1")
        // Domains are case-folded; a secret keeps everything after the first '='.
        #expect(secrets.secret(for: "web.localhost") == "se=cret2")
        #expect(secrets.secret(for: "other.localhost") == nil)
    }

    @Test(arguments: [
        ("", "no component domains"),
        ("echo.localhost", "is not DOMAIN=SECRET"),
        ("echo.localhost=", "is empty"),
        ("echo.localhost=a,,web.localhost=b", "an empty entry"),
        ("user@echo.localhost=a", "is not a domain"),
        ("echo.localhost/r=a", "is not a domain"),
        ("localhost=a", "the chat domain itself"),
        ("echo.localhost=a,ECHO.localhost=b", "listed twice"),
    ])
    func refusesABadEntryNamingTheKey(text: String, message: String) {
        #expect {
            try ComponentSecrets(parsing: text, key: "components", chatDomain: "localhost")
        } throws: { error in
            guard let error = error as? OptionError else { return false }
            return error.key == "components" && error.message.contains(message)
        }
    }

    @Test func aSecretIsBounded() {
        let long = String(repeating: "x", count: ComponentSecrets.maximumSecretBytes + 1)
        #expect(throws: OptionError.self) {
            try ComponentSecrets(parsing: "echo.localhost=\(long)", key: "components", chatDomain: "localhost")
        }
    }

    @Test func thePluginRequiresTheOptionAndValidatesItsBounds() {
        #expect(throws: OptionErrors.self) { try PluginOptions([:], declared: XMPPRouterPlugin.options) }
        #expect(throws: OptionErrors.self) {
            try PluginOptions(["components": "a.b=c", "queue-limit": "10"], declared: XMPPRouterPlugin.options)
        }
        #expect(throws: OptionErrors.self) {
            try PluginOptions(["components": "a.b=c", "max-stanzas-per-second": "0"], declared: XMPPRouterPlugin.options)
        }
    }
}
