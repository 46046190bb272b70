import Foundation
import Logging
import ParleyLauncher
import Testing

@testable import PubSubPlugin

/// `http-tls` and its files: which TLS the face asks of its listener, and when Basic
/// credentials and tokens are taken.
@Suite struct PubSubHTTPTLSTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func storage() -> String { NSTemporaryDirectory() + "pubsub-tls-\(UUID().uuidString)" }

    @Test func credentialsAreTakenOverTLSOrWhenPlainIsAllowed() {
        var settings = PubSubHTTPSettings()
        #expect(!settings.acceptsCredentials)
        settings.allowPlainAuth = true
        #expect(settings.acceptsCredentials)
        settings.allowPlainAuth = false
        settings.tls = true
        #expect(settings.acceptsCredentials)
    }

    @Test func withoutHTTPTLSTheFaceIsPlainAndItsFilesAreRefused() throws {
        var settings = PubSubHTTPSettings()
        #expect(try settings.listenerTLS(storageDirectory: storage(), domain: "localhost", logger: quiet) == nil)
        settings.tlsKey = "/etc/key.pem"
        let error = #expect(throws: OptionError.self) {
            try settings.listenerTLS(storageDirectory: storage(), domain: "localhost", logger: quiet)
        }
        #expect(error == OptionError(key: "http-tls-key", message: "set only with http-tls: true"))
    }

    @Test func aCertificateWithoutItsKeyIsRefused() {
        var settings = PubSubHTTPSettings()
        settings.tls = true
        settings.tlsCertificate = "/etc/cert.pem"
        let error = #expect(throws: OptionError.self) {
            try settings.listenerTLS(storageDirectory: storage(), domain: "localhost", logger: quiet)
        }
        #expect(error?.key == "http-tls-key")
    }

    @Test func withoutFilesTheDomainCertificateIsMadeOnceInStorage() throws {
        let directory = storage()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = PubSubHTTPSettings()
        settings.tls = true
        let first = try #require(try settings.listenerTLS(storageDirectory: directory, domain: "localhost", logger: quiet))
        #expect(first.certificatePath == directory + "/tls/localhost.crt")
        #expect(first.keyPath == directory + "/tls/localhost.key")
        let written = try String(contentsOfFile: first.certificatePath, encoding: .utf8)
        let again = try #require(try settings.listenerTLS(storageDirectory: directory, domain: "localhost", logger: quiet))
        #expect(again == first)
        #expect(try String(contentsOfFile: first.certificatePath, encoding: .utf8) == written, "generated once")
    }

    @Test func givenFilesAreUsedAndUnreadableOnesAreAnOptionError() throws {
        let directory = storage()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = PubSubHTTPSettings()
        settings.tls = true
        // Files made by the default path, then named explicitly.
        let made = try #require(try settings.listenerTLS(storageDirectory: directory, domain: "example.test", logger: quiet))
        settings.tlsCertificate = made.certificatePath
        settings.tlsKey = made.keyPath
        let given = try settings.listenerTLS(storageDirectory: directory + "/elsewhere", domain: "localhost", logger: quiet)
        #expect(given == made)
        settings.tlsCertificate = directory + "/missing.crt"
        let error = #expect(throws: OptionError.self) {
            try settings.listenerTLS(storageDirectory: directory, domain: "localhost", logger: quiet)
        }
        #expect(error?.key == "http-tls-certificate")
    }
}
