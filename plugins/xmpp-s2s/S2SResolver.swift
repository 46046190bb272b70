import CResolv
import NIOCore
import NIOPosix

/// Where to connect for a remote domain (RFC 6120 §3.2): the `hosts` option first, then
/// DNS SRV `_xmpps-server._tcp` (direct TLS, XEP-0368) and `_xmpp-server._tcp` merged by
/// priority and weight (RFC 2782), then the domain itself on port 5269. A name is connected to by NIO, which tries its A and AAAA
/// addresses the happy-eyeballs way (RFC 8305).
struct S2SResolver: Sendable {
    /// One place to try.
    struct Target: Sendable, Equatable {
        var host: String
        var port: Int
        /// TLS from the first byte (XEP-0368) rather than STARTTLS.
        var directTLS = false
    }

    let hosts: S2SStaticHosts
    /// Runs the blocking look-up off the event loops and the cooperative pool.
    let threadPool: NIOThreadPool
    /// The SRV look-up; the system resolver by default (replaced in tests).
    var lookUpSRV: @Sendable (String) -> [SRVRecord]? = S2SResolver.systemSRV

    /// Look-ups run on threads of their own, so a slow DNS server never holds NIO's shared
    /// pool; the outgoing-stream limit bounds how many wait.
    static func makeThreadPool() -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }

    /// What an SRV answer holds (RFC 2782).
    struct SRVRecord: Sendable, Equatable {
        var priority: Int
        var weight: Int
        var port: Int
        var target: String
    }

    /// Why a domain has no place to connect to.
    enum Failure: Error, Equatable {
        /// RFC 2782: a single record with target "." says the service is not offered.
        case serviceRefused
    }

    func targets(for domain: String, on loop: any EventLoop) -> EventLoopFuture<[Target]> {
        if let fixed = hosts[domain] {
            return loop.makeSucceededFuture([Target(host: fixed.host, port: fixed.port, directTLS: fixed.directTLS)])
        }
        let lookUp = lookUpSRV
        return threadPool.runIfActive(eventLoop: loop) { () throws -> [Target] in
            let directTLS = lookUp("_xmpps-server._tcp.\(domain)")
            let starttls = lookUp("_xmpp-server._tcp.\(domain)")
            return try Self.targets(domain: domain, records: starttls, directTLSRecords: directTLS)
        }
    }

    /// The order to try: SRV records by priority, weighted at random within one (RFC 2782),
    /// or the domain itself on 5269 when there are none or the look-up failed (RFC 6120
    /// §3.2.1 step 9, §3.2.2).
    /// XEP-0368 §3: both sets are merged by priority, direct TLS first within one.
    static func targets(
        domain: String, records: [SRVRecord]?, directTLSRecords: [SRVRecord]? = nil,
        random: (Int) -> Int = { Int.random(in: 0..<max($0, 1)) }
    ) throws(Failure) -> [Target] {
        let plain = usable(records), tls = usable(directTLSRecords)
        if plain.isEmpty && tls.isEmpty {
            if refuses(records) { throw .serviceRefused }
            return [Target(host: domain, port: 5269)]
        }
        var ordered: [Target] = []
        for priority in Set((plain + tls).map(\.priority)).sorted() {
            ordered += weighted(tls.filter { $0.priority == priority }, random: random).map {
                Target(host: $0.target, port: $0.port, directTLS: true)
            }
            ordered += weighted(plain.filter { $0.priority == priority }, random: random).map {
                Target(host: $0.target, port: $0.port)
            }
        }
        return ordered
    }

    /// RFC 2782: a single record with target "." says the service is not offered.
    private static func refuses(_ records: [SRVRecord]?) -> Bool {
        guard let records, records.count == 1 else { return false }
        return records[0].target == "." || records[0].target.isEmpty
    }

    private static func usable(_ records: [SRVRecord]?) -> [SRVRecord] {
        (records ?? []).filter { $0.target != "." && !$0.target.isEmpty }
    }

    /// RFC 2782's order within one priority: the records of weight 0 first, then a running
    /// sum of weights up to a random number picks each next one.
    private static func weighted(_ records: [SRVRecord], random: (Int) -> Int) -> [SRVRecord] {
        var group = records.filter { $0.weight == 0 } + records.filter { $0.weight != 0 }
        var ordered: [SRVRecord] = []
        while !group.isEmpty {
            let total = group.reduce(0) { $0 + $1.weight }
            var pick = random(total + 1)
            var index = 0
            for (candidate, record) in group.enumerated() {
                pick -= record.weight
                index = candidate
                if pick <= 0 { break }
            }
            ordered.append(group.remove(at: index))
        }
        return ordered
    }

    /// libresolv's answer: nil when the look-up failed, empty when there are no records.
    static func systemSRV(_ name: String) -> [SRVRecord]? {
        var records = [parley_srv_record](repeating: parley_srv_record(), count: 32)
        let count = parley_srv_lookup(name, &records, Int32(records.count))
        guard count >= 0 else { return nil }
        return records.prefix(Int(count)).map { record in
            var target = record.target
            let name = withUnsafeBytes(of: &target) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return SRVRecord(
                priority: Int(record.priority), weight: Int(record.weight), port: Int(record.port),
                target: name.hasSuffix(".") ? String(name.dropLast()) : name)
        }
    }
}
