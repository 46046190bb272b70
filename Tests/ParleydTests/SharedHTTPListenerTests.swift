import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The process's shared HTTP listener through the real `parleyd`: a path two plugins
/// claim on one address stops the start with a message naming both, and a port another
/// process holds fails the start naming the listener and its plugins.
@Suite(.serialized) struct SharedHTTPListenerTests {
    /// Writes `<dir>/parley.yaml`: web-status for status.localhost on port 0 and for
    /// presence.localhost on `secondPort`; returns its path.
    func twoWebStatusConfig(in dir: TemporaryDirectory, secondPort: UInt16) throws -> String {
        let config = dir.path + "/parley.yaml"
        try """
            domain: localhost
            storage: \(dir.path)/storage
            plugins:
              - plugin: web-status
                domain: status.localhost
                http-port: 0
              - plugin: web-status
                domain: presence.localhost
                http-port: \(secondPort)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func twoWebStatusInstancesOnOneAddressAreAConfigurationError() throws {
        let dir = try TemporaryDirectory()
        let config = try twoWebStatusConfig(in: dir, secondPort: 0)
        let result = try ParleydProcess.run(["--config", config])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                "web-status: the HTTP path /status on 127.0.0.1:0 is already served by web-status; "
                    + "give one of them another http-port"), "\(result.stderr)")
    }

    @Test func onSeparatePortsBothServe() throws {
        let dir = try TemporaryDirectory()
        let second = try freePort()
        let config = try twoWebStatusConfig(in: dir, secondPort: second)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let ports = Set(try daemon.listeningPorts(of: "web-status", count: 2))
        #expect(ports.count == 2 && ports.contains(second), "\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "\"HTTP listener bound\"").count == 3, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }

    @Test func aPortAnotherProcessHoldsFailsTheStartNamingTheListener() throws {
        let dir = try TemporaryDirectory()
        let first = try ParleydProcess(["--storage", dir.path + "/one", "web-status", "--http-port", "0"])
        defer { first.stop() }
        let port = try first.listeningPort(of: "web-status")
        let second = try ParleydProcess.run(["--storage", dir.path + "/two", "web-status", "--http-port", "\(port)"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("the HTTP listener on 127.0.0.1:\(port) (web-status) failed"), "\(second.stderr)")
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0, "\(first.log)")
    }
}
