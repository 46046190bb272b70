// swift-tools-version:6.1
// Benchmarks for Parley, in a package of their own so that the main build and CI never
// compile them. Run from this directory (the plugin builds in release):
//   swift package --scratch-path .build benchmark --target XMLBenchmarks
// (docs/xml.md has the XML figures and how they were taken).
import PackageDescription

let package = Package(
    name: "ParleyBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Parley", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "XMLBenchmarks",
            dependencies: [
                .product(name: "ParleyXML", package: "Parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/XMLBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CredBenchmarks",
            dependencies: [
                .product(name: "ParleyCred", package: "Parley"),
                .product(name: "ParleyCore", package: "Parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CredBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
