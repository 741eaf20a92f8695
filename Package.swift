// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Funnel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "funnel", targets: ["funnel"]),
        .library(name: "Funnel", targets: ["FunnelTensor", "FunnelNN", "FunnelModels", "FunnelData", "FunnelTrain", "FunnelInterop", "FunnelCharts", "FunnelStats", "FunnelLab"]),
        // Tensors, autograd and the layers (every activation) alone, without the run store's dependencies.
        .library(name: "FunnelLayers", targets: ["FunnelTensor", "FunnelNN"]),
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
        .target(name: "CKernels", path: "Sources/CKernels"),
        // libjpeg calls made under setjmp, so that its fatal errors return instead of exiting.
        .target(name: "CJPEG", path: "Sources/CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),

        // The stack, bottom to top (see README "Architecture").
        .target(name: "FunnelKernels", dependencies: ["CDNNL", "CKernels"]),
        .target(name: "FunnelTensor", dependencies: ["FunnelKernels"]),
        .target(name: "FunnelNN", dependencies: ["FunnelTensor"]),
        .target(name: "FunnelModels", dependencies: ["FunnelNN", "FunnelKernels"]),
        .target(name: "FunnelData", dependencies: ["FunnelTensor", "FunnelKernels", "CCodecs", "CJPEG"]),
        .target(name: "FunnelTrain", dependencies: [
            "FunnelModels", "FunnelData", "FunnelNN", "FunnelTensor", "FunnelKernels", "FunnelStats", "CCodecs", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ], plugins: ["SourceCommit"]),
        // The commit of the sources built, for run records and `funnel --version`.
        .plugin(name: "SourceCommit", capability: .buildTool()),
        // The formats of other tools: TensorBoard event files, ONNX models.
        .target(name: "FunnelInterop", dependencies: ["FunnelTrain", "FunnelModels", "FunnelNN", "FunnelTensor"]),
        // SVG charts and the self-contained HTML page (Foundation and libpng only).
        .target(name: "FunnelCharts", dependencies: ["CCodecs"]),
        // Statistics (tests, rankings) and the sweep search methods (grid, random, GP, Hyperband);
        // the searches draw from Funnel's own generator.
        .target(name: "FunnelStats", dependencies: ["FunnelTensor"]),
        // Experiments, sweeps, the cluster and the report.
        .target(name: "FunnelLab", dependencies: [
            "FunnelTrain", "FunnelInterop", "FunnelModels", "FunnelNN", "FunnelData", "FunnelKernels", "FunnelCharts", "FunnelStats", "Yams",
        ]),
        .executableTarget(name: "funnel", dependencies: [
            "FunnelLab", "FunnelInterop", "FunnelTrain", "FunnelData", "FunnelModels", "FunnelNN", "FunnelTensor", "FunnelKernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .target(name: "FunnelTestSupport", dependencies: ["FunnelTensor"], path: "Tests/FunnelTestSupport"),
        .testTarget(name: "FunnelTensorTests", dependencies: ["FunnelTensor", "FunnelTestSupport"]),
        .testTarget(name: "FunnelNNTests", dependencies: ["FunnelNN", "FunnelTestSupport"]),
        .testTarget(name: "FunnelModelsTests", dependencies: ["FunnelModels", "FunnelTestSupport"]),
        .testTarget(name: "FunnelDataTests", dependencies: ["FunnelData"]),
        .testTarget(name: "FunnelTrainTests", dependencies: ["FunnelTrain", "FunnelTestSupport"]),
        .testTarget(name: "FunnelInteropTests", dependencies: ["FunnelInterop", "FunnelTestSupport"]),
        .testTarget(name: "FunnelChartsTests", dependencies: ["FunnelCharts", "FunnelTestSupport"]),
        .testTarget(name: "FunnelStatsTests", dependencies: ["FunnelStats", "FunnelTestSupport"]),
        .testTarget(name: "FunnelLabTests", dependencies: ["FunnelLab", "FunnelTestSupport"], exclude: ["Interop/torch_cifar.py"]),
    ]
)
