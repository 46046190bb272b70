import ParleyCore
import ParleyIRCNIO
import ParleyXMPP
import Testing

@testable import IRCGatewayPlugin

/// The `configure` form: biboumi's fields, validation, storage and what a connection uses.
@Suite struct NetworkSettingsTests {
    func submitted(_ fields: [(String, [String])]) -> DataForm {
        DataForm(type: .submit, fields: fields.map { DataFormField(variable: $0.0, values: $0.1) })
    }

    @Test func aSubmissionSetsClearsAndKeepsValues() throws {
        var settings = NetworkSettings()
        settings.realname = "Alice"
        let next = try settings.applying(
            submitted([
                ("ports", ["6667", "6668"]), ("tls_ports", []), ("verify_cert", ["false"]), ("nick", ["alice"]),
                ("sasl_password", ["secret"]), ("encoding_in", ["ISO-8859-1"]), ("throttle_limit", ["-1"]),
            ]))
        #expect(next.ports == [6667, 6668])
        #expect(next.tlsPorts == [])  // no value: no TLS port at all
        #expect(next.verifyCertificate == false)
        #expect(next.nick == "alice" && next.saslPassword == "secret" && next.throttleLimit == -1)
        #expect(next.encodingIn == .latin1)
        #expect(next.realname == "Alice")  // not in the form: kept
        // The stored record reads back the same.
        #expect(NetworkSettings(record: next.record) == next)
    }

    @Test func unknownFieldsAndBadValuesAreRefusedByName() {
        let cases: [([(String, [String])], String)] = [
            ([("colour", ["blue"])], "colour"), ([("ports", ["sixty"])], "ports"), ([("tls_ports", ["70000"])], "tls_ports"),
            ([("verify_cert", ["maybe"])], "verify_cert"), ([("nick", ["a b"])], "nick"),
            ([("encoding_in", ["ebcdic"])], "encoding_in"), ([("encoding_out", ["latin1"])], "encoding_out"),
            ([("throttle_limit", ["lots"])], "throttle_limit"), ([("username", ["a@b"])], "username"),
        ]
        for (fields, name) in cases {
            #expect(throws: SettingsFieldError.self, "\(name)") { try NetworkSettings().applying(submitted(fields)) }
            do {
                _ = try NetworkSettings().applying(submitted(fields))
            } catch {
                #expect(error.field == name)
            }
        }
    }

    @Test func theFormHasBiboumisFieldsAndNeverThePasswords() {
        var settings = NetworkSettings()
        settings.password = "server"
        settings.saslPassword = "sasl"
        settings.ports = [6667]
        let form = settings.form(target: "irc.example.net")
        #expect(form.fields.compactMap(\.variable) == NetworkSettings.fields.map(\.0))
        #expect(form.value(of: "ports") == "6667")
        #expect(form["pass"]?.values == [] && form["sasl_password"]?.values == [])
    }

    @Test func aChannelHasItsPersistentSetting() throws {
        let channel = try ChannelSettings().applying(submitted([("persistent", ["1"])]))
        #expect(channel.persistent == true)
        #expect(ChannelSettings(record: channel.record) == channel)
        #expect(channel.form(target: "#dev").value(of: "persistent") == "true")
        #expect(throws: SettingsFieldError(field: "ports", reason: "unknown field")) {
            try ChannelSettings().applying(submitted([("ports", ["6667"])]))
        }
        #expect(try ChannelSettings().applying(submitted([("persistent", [])])).persistent == nil)
    }

    @Test func endpointsAreTLSFirstAndPlainOnlyWhereConfigured() {
        var gateway = GatewaySettings()
        gateway.tlsPorts = [6697]
        gateway.ports = [6667]
        // The gateway's plain ports are not a fallback from its TLS ports.
        #expect(gateway.endpoints(NetworkSettings()) == [.init(port: 6697, tls: true)])
        var user = NetworkSettings()
        user.ports = [6667]
        #expect(gateway.endpoints(user) == [.init(port: 6697, tls: true), .init(port: 6667, tls: false)])
        user.tlsPorts = []
        #expect(gateway.endpoints(user) == [.init(port: 6667, tls: false)])
        // A user's settings shape the client: nick, SASL account, no certificate check.
        user.nick = "al"
        user.saslPassword = "pw"
        user.verifyCertificate = false
        let configuration = gateway.clientConfiguration(
            network: "irc.example.net", endpoint: .init(port: 6697, tls: true), nick: "alice",
            user: UserID(localpart: "alice", domain: "example.org"), settings: user)
        #expect(configuration.nick == "al" && configuration.sasl?.account == "al" && configuration.sasl?.password == "pw")
        #expect(configuration.tls?.verification == IRCClientTLS.Verification.none)
        // throttle_limit: a number of lines at once then one a second; negative: no throttle.
        user.throttleLimit = -1
        var limiter = IRCRateLimiter(gateway.clientConfiguration(
            network: "irc.example.net", endpoint: .init(port: 6667, tls: false), nick: "alice",
            user: UserID(localpart: "alice", domain: "example.org"), settings: user).rateLimit)
        #expect((0..<20_000).allSatisfy { _ in limiter.take(at: 0) == 0 })
        user.throttleLimit = 3
        limiter = IRCRateLimiter(gateway.clientConfiguration(
            network: "irc.example.net", endpoint: .init(port: 6667, tls: false), nick: "alice",
            user: UserID(localpart: "alice", domain: "example.org"), settings: user).rateLimit)
        #expect((0..<3).allSatisfy { _ in limiter.take(at: 0) == 0 })
        #expect(limiter.take(at: 0) > 0)
    }
}
