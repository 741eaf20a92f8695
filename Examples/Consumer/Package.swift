// swift-tools-version: 6.0
// A package that uses Funnel the way other projects will: as a versioned dependency. SwiftPM
// refuses such a dependency if any target of a product it uses carries unsafe build flags, so
// Examples/Consumer/check.sh (run by ./test.sh) keeps Funnel usable that way: it builds and runs
// `funnel-consumer` (the `FunnelLayers` product) and plans the build of `funnel-consumer-whole`
// (the `Funnel` product, every library module).
import Foundation
import PackageDescription

// check.sh points this at a clone of the checkout tagged with a version.
let funnel = ProcessInfo.processInfo.environment["FUNNEL_PACKAGE_URL"] ?? "https://github.com/funnel-research/funnel"

let package = Package(
    name: "FunnelConsumer",
    dependencies: [.package(url: funnel, from: "0.1.0")],
    targets: [
        .executableTarget(name: "funnel-consumer", dependencies: [.product(name: "FunnelLayers", package: "funnel")]),
        // The whole library: check.sh plans its build without compiling it.
        .executableTarget(name: "funnel-consumer-whole", dependencies: [.product(name: "Funnel", package: "funnel")]),
    ]
)
