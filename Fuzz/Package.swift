// swift-tools-version: 6.0
// libFuzzer harnesses for Funnel's parsers; build and run them with scripts/fuzz.sh, which points
// FUNNEL_ROOT at a clone of the checkout (the harnesses have no main: libFuzzer provides it, so
// they only link with --sanitize fuzzer, and live apart from the main package).
import Foundation
import PackageDescription

let root = ProcessInfo.processInfo.environment["FUNNEL_ROOT"] ?? "../funnel"
let harnesses = ["safetensors", "tar", "gzip", "cifar", "image", "yaml"]

let package = Package(
    name: "FunnelFuzz",
    dependencies: [.package(path: root)],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "Funnel", package: URL(fileURLWithPath: root).lastPathComponent)]),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: [
            "FuzzSupport", .product(name: "Funnel", package: URL(fileURLWithPath: root).lastPathComponent),
        ], path: "Sources/\(name)")
    }
)
