import Testing

@testable import ParleyLauncher

private let port = PluginOption<Int>("port", default: 5222, range: 1...65535, help: "port")
private let host = PluginOption<String>("host", default: "127.0.0.1", help: "host")
private let secret = PluginOption<String>("secret", default: nil, help: "required secret")
private let verbose = PluginOption<Bool>("verbose", default: false, help: "flag")
private let declared: [any AnyPluginOption] = [port, host, secret, verbose]

@Suite struct PluginOptionsTests {
    @Test func defaultsApplyWhenNotGiven() throws {
        let options = try PluginOptions(["secret": "s"], declared: declared)
        #expect(options.value(port) == 5222)
        #expect(options.value(host) == "127.0.0.1")
        #expect(options.value(secret) == "s")
        #expect(options.value(verbose) == false)
    }

    @Test func commandLineForms() throws {
        let options = try PluginOptions.parse(
            commandLine: ["--port", "6000", "--host=::1", "--secret", "x y", "--verbose"], declared: declared)
        #expect(options.value(port) == 6000)
        #expect(options.value(host) == "::1")
        #expect(options.value(secret) == "x y")
        #expect(options.value(verbose) == true)
        let negated = try PluginOptions.parse(commandLine: ["--secret", "s", "--no-verbose"], declared: declared)
        #expect(negated.value(verbose) == false)
    }

    @Test func everyProblemIsReportedWithItsKey() {
        #expect {
            try PluginOptions(["port": "70000", "colour": "red", "verbose": "maybe"], declared: declared)
        } throws: { error in
            guard let errors = error as? OptionErrors else { return false }
            let byKey = Dictionary(errors.errors.map { ($0.key, $0.message) }, uniquingKeysWith: { a, _ in a })
            return byKey["port"] == "expected an integer from 1 to 65535, got 70000"
                && byKey["colour"]?.hasPrefix("unknown option; known options: host, port, secret, verbose") == true
                && byKey["verbose"] == "expected boolean (true or false), got 'maybe'"
                && byKey["secret"] == "required option is missing"
        }
    }

    @Test func notANumber() {
        #expect {
            try PluginOptions.parse(commandLine: ["--port", "http", "--secret", "s"], declared: declared)
        } throws: { error in
            (error as? OptionErrors)?.errors == [OptionError(key: "port", message: "expected integer, got 'http'")]
        }
    }

    @Test func valueMissingAtTheEnd() {
        #expect {
            try PluginOptions.parse(commandLine: ["--secret"], declared: declared)
        } throws: { error in
            (error as? OptionErrors)?.errors.first?.message == "needs a value"
        }
    }

    @Test func launcherSettingsSplitFromPluginWords() throws {
        let split = try CommandLineSettings.split(
            ["--port", "1", "--auth", "memory:a:b", "--domain=Example.COM", "--auth", "file", "--log-level", "debug"])
        #expect(split.rest == ["--port", "1"])
        #expect(split.auth == ["memory:a:b", "file"])
        let settings = try split.applied(to: LauncherSettings())
        #expect(settings.domain == "example.com")
        #expect(settings.logLevel == .debug)
        #expect(settings.effectiveAuth == ["memory:a:b", "file"])
    }

    @Test func badLauncherSettingNamesItsKey() {
        #expect {
            try CommandLineSettings.split(["--log-format", "xml"]).applied(to: LauncherSettings())
        } throws: { error in
            (error as? OptionErrors)?.errors.first?.key == "log-format"
        }
    }

    @Test func fileDefaultAuth() {
        #expect(LauncherSettings().effectiveAuth == ["file"])
    }
}
