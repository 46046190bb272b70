import Benchmark
import Foundation
import ParleyCore
import ParleyCred

/// A realm that hands out the user name as the avatar.
struct NameRealm: Realm {
    func requestAvatar(for user: Username, mind: Void) async throws -> (
        avatar: Username, logout: @Sendable () async -> Void
    ) { (user, {}) }
}

/// A store in a temporary directory with one account (`alice`, 10,000 iterations).
final class StoreFixture: Sendable {
    let directory: String
    let store: FlatFileStore
    let portal: Portal<NameRealm>
    let credentials = UsernamePassword(username: "alice", password: "correct horse battery staple")

    init() throws {
        directory = NSTemporaryDirectory() + "/parley-cred-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        store = try FlatFileStore(directory: directory)
        try store.addAccount(Username("alice")!, password: credentials.password)
        portal = Portal(realm: NameRealm(), checkers: [store])
        // The store confirms by content any file changed less than 2 s before it was read
        // (timestamps are coarse); wait that out so the warm path is the steady state.
        Thread.sleep(forTimeInterval: 2.2)
        _ = try store.checkPlain(credentials)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

nonisolated(unsafe) var fixture: StoreFixture?

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    Benchmark.setup = { fixture = try StoreFixture() }
    Benchmark.teardown = {
        fixture?.remove()
        fixture = nil
    }

    // The steady state of PLAIN: one stat, one HMAC-SHA256, a constant-time compare.
    Benchmark("Cred PLAIN check: flat file, warm cache") { benchmark in
        let fixture = fixture!
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.store.checkPlain(fixture.credentials))
        }
        benchmark.stopMeasurement()
    }

    // A fresh store instance each time: read and parse the file, one PBKDF2-SHA256 at
    // 10,000 iterations, then the constant-time compare.
    Benchmark(
        "Cred PLAIN check: flat file, cold (1 PBKDF2-SHA256, 10k iterations)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal], scalingFactor: .one,
            maxDuration: .seconds(3), maxIterations: 10_000)
    ) { benchmark in
        let fixture = fixture!
        for _ in benchmark.scaledIterations {
            let store = try FlatFileStore(directory: fixture.directory)
            blackHole(try store.checkPlain(fixture.credentials))
        }
    }

    // Client and server through the portal: client-first, record lookup (one stat),
    // server-first, client-final (the client's SaltedPassword is cached, RFC 5802 §5),
    // proof verification in the store (HMACs and a hash, no PBKDF2), server-final.
    Benchmark(
        "Cred SCRAM-SHA-256: full exchange with client, warm client cache",
        configuration: .init(
            metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal], scalingFactor: .kilo,
            maxDuration: .seconds(3), maxIterations: 1_000_000)
    ) { benchmark in
        let fixture = fixture!
        let cache = SaltedPasswordCache()
        var warm = SCRAMClient(
            algorithm: .sha256, username: "alice", password: fixture.credentials.password, cache: cache)
        try await exchange(&warm, fixture.portal)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var client = SCRAMClient(
                algorithm: .sha256, username: "alice", password: fixture.credentials.password, cache: cache)
            try await exchange(&client, fixture.portal)
        }
        benchmark.stopMeasurement()
        precondition(cache.statistics.misses == 1)
    }
}

struct ExchangeFailed: Error {}

func exchange(_ client: inout SCRAMClient, _ portal: Portal<NameRealm>) async throws {
    var server = SCRAMServer(algorithm: .sha256)
    guard case .fetchRecord(let user) = server.receiveClientFirst(client.clientFirst()),
        case .challenge(let serverFirst) = server.receiveRecord(try await portal.scramRecord(for: user, algorithm: .sha256)),
        case .verify(let proof) = server.receiveClientFinal(try client.receiveServerFirst(serverFirst))
    else { throw ExchangeFailed() }
    let login = try await portal.login(proof)
    guard case .succeed(let serverFinal) = server.receiveVerification(.success(login.avatarID)) else {
        throw ExchangeFailed()
    }
    try client.receiveServerFinal(serverFinal)
    blackHole(login)
}
