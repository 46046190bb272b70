import Testing

@testable import XMPPS2SPlugin

/// The `hosts` option and the order in which targets are tried (RFC 6120 §3.2, RFC 2782).
@Suite struct S2SSettingsTests {
    @Test func hostsEntries() throws {
        let hosts = try S2SStaticHosts(
            parsing: "b.test=127.0.0.3:5270, C.Test=host.example ,v6.test=[::1]:5299,tls.test=xmpps://127.0.0.9:5223")
        #expect(hosts["b.test"] == .init(host: "127.0.0.3", port: 5270))
        #expect(hosts["tls.test"] == .init(host: "127.0.0.9", port: 5223, directTLS: true))
        #expect(hosts["c.test"] == .init(host: "host.example", port: 5269))
        #expect(hosts["v6.test"] == .init(host: "::1", port: 5299))
        #expect(hosts["d.test"] == nil)
        for bad in ["b.test", "=host", "b.test=", "b.test=host:0", "b.test=host:x", "b.test=[::1", "b.test=:5269"] {
            #expect(throws: S2SOptionError.self, "\(bad)") { try S2SStaticHosts(parsing: bad) }
        }
    }

    @Test func allowAndDenyLists() {
        var settings = S2SSettings()
        settings.deniedDomains = ["spam.test"]
        #expect(!settings.admits("spam.test"))
        #expect(settings.admits("friend.test"))
        settings.allowedDomains = ["friend.test"]
        #expect(settings.admits("friend.test"))
        #expect(!settings.admits("stranger.test"))
    }

    @Test func srvOrderByPriorityThenWeight() throws {
        typealias Record = S2SResolver.SRVRecord
        let records = [
            Record(priority: 20, weight: 0, port: 5269, target: "backup.example"),
            Record(priority: 10, weight: 0, port: 5270, target: "zero.example"),
            Record(priority: 10, weight: 60, port: 5271, target: "heavy.example"),
        ]
        // RFC 2782: within a priority, a running sum of weights picks; 0-weight ones come
        // first only when the random pick is 0.
        let picked = try S2SResolver.targets(domain: "example", records: records, random: { $0 - 1 })
        #expect(picked.map(\.host) == ["heavy.example", "zero.example", "backup.example"])
        let first = try S2SResolver.targets(domain: "example", records: records, random: { _ in 0 })
        #expect(first.map(\.host) == ["zero.example", "heavy.example", "backup.example"])
        #expect(first[0].port == 5270)
        // Weight-0 records are placed first even when listed last (RFC 2782).
        let reversed = try S2SResolver.targets(domain: "example", records: records.reversed(), random: { _ in 0 })
        #expect(reversed.map(\.host) == ["zero.example", "heavy.example", "backup.example"])
    }

    /// XEP-0368 §3: both sets merged by priority, direct TLS first within a priority.
    @Test func directTLSRecordsMergeByPriority() throws {
        typealias Record = S2SResolver.SRVRecord
        let targets = try S2SResolver.targets(
            domain: "example",
            records: [Record(priority: 5, weight: 0, port: 5269, target: "starttls.example")],
            directTLSRecords: [
                Record(priority: 5, weight: 0, port: 5270, target: "tls.example"),
                Record(priority: 10, weight: 0, port: 5270, target: "later.example"),
            ])
        #expect(targets == [
            .init(host: "tls.example", port: 5270, directTLS: true), .init(host: "starttls.example", port: 5269),
            .init(host: "later.example", port: 5270, directTLS: true),
        ])
        // Direct TLS only, with STARTTLS refused by ".": the direct TLS records are used.
        let onlyTLS = try S2SResolver.targets(
            domain: "example", records: [Record(priority: 0, weight: 0, port: 0, target: ".")],
            directTLSRecords: [Record(priority: 0, weight: 0, port: 5270, target: "tls.example")])
        #expect(onlyTLS == [.init(host: "tls.example", port: 5270, directTLS: true)])
    }

    @Test func noRecordsMeansTheDomainOn5269AndADotRefuses() throws {
        #expect(try S2SResolver.targets(domain: "example", records: []) == [.init(host: "example", port: 5269)])
        #expect(try S2SResolver.targets(domain: "example", records: nil) == [.init(host: "example", port: 5269)])
        #expect(throws: S2SResolver.Failure.serviceRefused) {
            try S2SResolver.targets(domain: "example", records: [.init(priority: 0, weight: 0, port: 0, target: ".")])
        }
    }
}
