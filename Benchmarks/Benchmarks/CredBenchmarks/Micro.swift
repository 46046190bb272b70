import Benchmark
import Foundation
import ParleyCore
import ParleyCred
import Crypto

let micro: @Sendable () -> Void = {
    Benchmark("zz micro Username init") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Username("alice")) }
    }
    Benchmark("zz micro stat") { benchmark in
        let path = fixture!.store.accountPath(for: Username("alice")!)
        var info = stat()
        for _ in benchmark.scaledIterations { blackHole(stat(path, &info)) }
    }
    Benchmark("zz micro accountPath") { benchmark in
        let user = Username("alice")!
        for _ in benchmark.scaledIterations { blackHole(fixture!.store.accountPath(for: user)) }
    }
    Benchmark("zz micro HMAC fresh key") { benchmark in
        let key = SymmetricKey(size: .bits256)
        let data: [UInt8] = Array(repeating: 1, count: 48)
        for _ in benchmark.scaledIterations { blackHole(HMAC<SHA256>.authenticationCode(for: data, using: key)) }
    }
    Benchmark("zz micro HMAC prekeyed copy") { benchmark in
        let base = HMAC<SHA256>(key: SymmetricKey(size: .bits256))
        let data: [UInt8] = Array(repeating: 1, count: 48)
        for _ in benchmark.scaledIterations {
            var h = base
            h.update(data: data)
            blackHole(h.finalize())
        }
    }
}
