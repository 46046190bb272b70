import ParleyComponent
import ParleyLauncher
import Testing

/// The options every component plugin shares, read into a placement and connector settings.
@Suite struct ComponentPlacementTests {
    func placement(_ given: [String: String]) throws -> ComponentPlacement {
        let options = try PluginOptions(given, declared: ComponentOptions.all)
        return try ComponentPlacement(options: options, chatDomain: "localhost", defaultSubdomain: "echo")
    }

    @Test func withoutConnectTheComponentRunsInProcessOnItsSubdomain() throws {
        let placement = try placement([:])
        #expect(placement == ComponentPlacement(domain: "echo.localhost", mode: .inProcess))
        #expect(ComponentConnectorSettings(placement: placement) == nil)
    }

    @Test func connectSecretAndTheReconnectOptionsMakeAnExternalPlacement() throws {
        let placement = try placement([
            "connect": "127.0.0.1:5347", "domain": "Echo.Example.com", "secret": "s3cret", "reconnect-max": "5",
            "queue-limit": "10",
        ])
        #expect(placement.domain == "echo.example.com")
        #expect(placement.mode == .external(host: "127.0.0.1", port: 5347, secret: "s3cret"))
        let settings = try #require(ComponentConnectorSettings(placement: placement))
        #expect(settings.host == "127.0.0.1" && settings.port == 5347 && settings.secret == "s3cret")
        #expect(settings.reconnectMaximum == 5 && settings.queueLimit == 10)
        #expect(settings.domain == "echo.example.com")
        let v6 = try self.placement(["connect": "[::1]:5347", "secret": "s"])
        #expect(v6.mode == .external(host: "::1", port: 5347, secret: "s"))
    }

    /// The launcher reads `--domain` wherever it stands, so `parleyd echo --connect … --domain
    /// echo.example.com` sets the daemon's domain: with --connect, that is the component's.
    @Test func withConnectButNoComponentDomainTheDaemonsDomainIsTheComponents() throws {
        let options = try PluginOptions(["connect": "h:5347", "secret": "s"], declared: ComponentOptions.all)
        let placement = try ComponentPlacement(options: options, chatDomain: "Echo.Example.com", defaultSubdomain: "echo")
        #expect(placement.domain == "echo.example.com")
    }

    @Test func aBadConnectStringNamesConnect() {
        for bad in ["localhost", "localhost:", ":5347", "host:0", "host:70000", "host:port"] {
            #expect(throws: OptionError.self, "\(bad)") {
                do {
                    _ = try placement(["connect": bad, "secret": "s"])
                } catch let error as OptionError {
                    #expect(error.key == "connect", "\(bad): \(error)")
                    throw error
                }
            }
        }
    }

    @Test func aMissingSecretNamesSecret() {
        #expect(throws: OptionError(key: "secret", message: "required with --connect")) {
            _ = try placement(["connect": "127.0.0.1:5347"])
        }
    }

    @Test func theChatDomainItselfIsRefused() {
        #expect(throws: OptionError.self) { _ = try placement(["domain": "LOCALHOST"]) }
    }

    @Test func outOfRangeReconnectOptionsAreRefusedByTheOptionParser() {
        #expect(throws: OptionErrors.self) { _ = try PluginOptions(["reconnect-max": "0"], declared: ComponentOptions.all) }
        #expect(throws: OptionErrors.self) { _ = try PluginOptions(["queue-limit": "-1"], declared: ComponentOptions.all) }
    }

    @Test func connectorSettingsAreClamped() {
        let settings = ComponentConnectorSettings(
            domain: "e", host: "h", port: 0, secret: "s", reconnectInitial: 100, reconnectMaximum: 1e9,
            queueLimit: -5, keepaliveInterval: .nan, connectTimeout: 0, handshakeTimeout: 1e9, closeTimeout: -1)
        #expect(settings.port == 1)
        #expect(settings.reconnectMaximum == 3600 && settings.reconnectInitial == 100)
        #expect(settings.queueLimit == 0)
        #expect(settings.keepaliveInterval == 0.01)
        #expect(settings.connectTimeout == 0.1 && settings.handshakeTimeout == 300 && settings.closeTimeout == 0)
    }
}
