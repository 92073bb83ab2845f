// swift-tools-version: 6.2
import PackageDescription

/// Every target of ours treats warnings as errors: an unawaited future or an unused
/// result is a lost error.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]
// The hot path (segment reading, the fold, and the transform tests
// that check the fold against a reference at 200,000 keys) is optimised in debug builds too:
// those tests and the Python tests that run the debug binary over whole archives run at
// release speed (`make test` 12 -> under 5 minutes with the parallel Python tests), and
// everything else keeps debug builds' fast compiles and debuggability.
let hot: [SwiftSetting] = strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "goldmane-trail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "goldmane-trail", targets: ["goldmane-trail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams", "5.0.1"..<"7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // glibc's mallopt, Linux's O_DIRECT and the compiler's prefetch hint (part of libc: nothing to link).
        .systemLibrary(name: "CLinux"),

        // Shared by every target: the exit-status table, the error protocol, secret
        // redaction and text escaping.
        .target(name: "TrailSupport", dependencies: ["CLinux"], swiftSettings: strict),

        // Shared between stages: the Goldmane wire types and the files stages exchange.
        .target(
            name: "GoldmaneAPI",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict
        ),
        .target(
            name: "TrailFormat",
            dependencies: [
                "CZstd", "CLinux", "TrailSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: hot
        ),

        // The pipeline, one target per stage. Stages never import each other.
        .target(
            name: "Capture",
            dependencies: [
                "TrailFormat", "GoldmaneAPI", "TrailSupport", "ObjectStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // PostgreSQL through libpq, shared by the stages that read or write the database.
        .target(name: "TrailDatabase", dependencies: ["CLibPQ", "TrailSupport"], swiftSettings: strict),

        // The archive on object storage (S3 API: AWS, Ceph RGW, MinIO): SigV4 signing, the
        // client, and the bucket as a `RemoteArchive` the stages read through TrailFormat.
        .target(
            name: "ObjectStore",
            dependencies: [
                "TrailFormat", "TrailSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        .target(name: "Transform", dependencies: ["TrailFormat", "TrailSupport", "CLinux"], swiftSettings: hot),
        .target(
            name: "Load",
            dependencies: ["TrailFormat", "TrailDatabase", "TrailSupport"],
            resources: [.copy("migrations")],
            swiftSettings: strict
        ),
        .target(name: "Report", dependencies: ["TrailFormat", "TrailDatabase", "TrailSupport", "Policy"], swiftSettings: strict),

        // Kubernetes NetworkPolicy: the YAML, and what it admits of observed flows.
        .target(
            name: "Policy",
            dependencies: ["TrailFormat", "TrailSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),

        // The jobs that span stages (etl, replay, health), above the stages: the command
        // line parses options and calls them; the tests drive them directly.
        .target(
            name: "Jobs",
            dependencies: ["TrailFormat", "TrailDatabase", "TrailSupport", "Transform", "Load"],
            swiftSettings: strict
        ),

        // The fold without the command line around it, for the instruction-count guard
        // (scripts/instruction-guard.py runs it under callgrind).
        .executableTarget(name: "TransformProbe", dependencies: ["Transform", "TrailSupport"], swiftSettings: strict),

        // Realistic synthetic archives for samples/, tests and benchmarks.
        .target(
            name: "SampleGenerator",
            dependencies: ["GoldmaneAPI", "TrailFormat", "TrailSupport", "Policy"],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "goldmane-trail",
            dependencies: [
                "GoldmaneAPI", "TrailFormat", "TrailDatabase", "TrailSupport", "Capture", "Transform", "Load", "Report",
                "Jobs", "SampleGenerator", "Policy", "ObjectStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),

        // Fuzz targets: `make fuzz` builds them with libFuzzer (-DFUZZING); a plain build
        // makes replayers of their corpus and crash files, which the tests run.
        .target(name: "FuzzSupport", swiftSettings: strict),
        .executableTarget(name: "FuzzSegmentReader", dependencies: ["FuzzSupport", "TrailFormat", "Transform"], swiftSettings: strict),
        .executableTarget(name: "FuzzFlowRecord", dependencies: ["FuzzSupport", "TrailFormat", "Transform"], swiftSettings: strict),

        .target(
            name: "TrailTestSupport",
            dependencies: [
                "GoldmaneAPI", "TrailFormat", "SampleGenerator",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/TrailTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TrailFormatTests",
            dependencies: [
                "TrailFormat", "GoldmaneAPI", "TrailTestSupport", "CLinux",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CaptureTests",
            dependencies: ["Capture", "TrailFormat", "TrailTestSupport", "SampleGenerator"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LoadTests",
            dependencies: ["Load", "TrailDatabase", "TrailFormat", "TrailSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["Policy", "TrailSupport", "TrailTestSupport", "SampleGenerator"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: ["Jobs", "Load", "Transform", "TrailDatabase", "TrailFormat", "TrailSupport", "TrailTestSupport", "SampleGenerator"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReportTests",
            dependencies: ["Report", "TrailFormat"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TransformTests",
            dependencies: ["Transform", "TrailFormat", "GoldmaneAPI", "TrailTestSupport", "SampleGenerator"],
            swiftSettings: hot
        ),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: ["ObjectStore", "TrailFormat"],
            exclude: ["Resources"],
            swiftSettings: strict
        ),
    ]
)
