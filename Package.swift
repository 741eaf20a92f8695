// swift-tools-version: 6.0
import PackageDescription

/// Release builds drop bounds checks in the numeric loops; oneDNN status codes are checked with code
/// that stays (see `FunnelKernels/DNNL.swift`), not with `precondition`.
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "Funnel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "funnel", targets: ["funnel"]),
        .library(name: "Funnel", targets: ["FunnelTensor", "FunnelNN", "FunnelModels", "FunnelData", "FunnelTrain", "FunnelLab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // C libraries from Debian, imported as system-library modules.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CCodecs", path: "Sources/CCodecs", providers: [.apt(["libjpeg62-turbo-dev", "libpng-dev", "zlib1g-dev"])]),

        // Funnel's own fused SIMD kernels (runtime-dispatched AVX-512 / AVX2 / baseline).
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=fast"])]),

        // The stack, bottom to top (see README "Architecture").
        .target(name: "FunnelKernels", dependencies: ["CDNNL", "CKernels"], swiftSettings: fast),
        .target(name: "FunnelTensor", dependencies: ["FunnelKernels"], swiftSettings: fast),
        .target(name: "FunnelNN", dependencies: ["FunnelTensor"], swiftSettings: fast),
        .target(name: "FunnelModels", dependencies: ["FunnelNN"], swiftSettings: fast),
        .target(name: "FunnelData", dependencies: ["FunnelTensor", "CCodecs"], swiftSettings: fast),
        .target(name: "FunnelTrain", dependencies: [
            "FunnelModels", "FunnelData", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: fast),
        .target(name: "FunnelLab", dependencies: ["FunnelTrain", "Yams"], swiftSettings: fast),
        .executableTarget(name: "funnel", dependencies: [
            "FunnelLab",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: fast),

        .target(name: "FunnelTestSupport", dependencies: ["FunnelTensor"], path: "Tests/FunnelTestSupport"),
        .testTarget(name: "FunnelTensorTests", dependencies: ["FunnelTensor", "FunnelTestSupport"]),
        .testTarget(name: "FunnelNNTests", dependencies: ["FunnelNN", "FunnelTestSupport"]),
        .testTarget(name: "FunnelModelsTests", dependencies: ["FunnelModels", "FunnelTestSupport"]),
        .testTarget(name: "FunnelDataTests", dependencies: ["FunnelData"]),
        .testTarget(name: "FunnelTrainTests", dependencies: ["FunnelTrain", "FunnelTestSupport"]),
        .testTarget(name: "FunnelLabTests", dependencies: ["FunnelLab", "FunnelTestSupport"]),
    ]
)
