// DY-ReLU after a batch norm, fused against composed, over many initial draws: which draws make
// the two paths' gradients disagree, and how near the kink between the two pieces each case's
// nearest value of u lies. The scan behind e78a4b6 (the performance log, 2026-12-06 late morning:
// 3 of 6,000 cases disagreed, each at its nearest value, 1.6e-7 to 3.4e-9 from the kink).
//
// It is a test of the package's test target, not built by default; to run it:
//
//     cp scripts/dyrelu-kink-scan.swift Tests/FunnelNNTests/DyReLUKinkScan.swift
//     swift build --build-tests
//     SCAN_SEEDS=0-1499 swift test --skip-build --filter DyReLUKinkScan    # 175 s on 2 cores
//     rm Tests/FunnelNNTests/DyReLUKinkScan.swift
//
// SCAN_SEEDS: "first-last" or a comma-separated list (default 8, the test's seed); SCAN_SHAPE:
// NxCxHxW (default 2x32x20x20); SCAN_RESIDUAL=0 for the norm without a residual. Prints one line a
// case: the seed, variant and mode, the smallest margin |(a1 u + b1) - (a0 u + b0)| (Double, from
// the composed path's coefficients) and where it is, and "DISAGREE" with the gradients' largest
// relative differences where they exceed the test's tolerances (1e-4 for x, 5e-4 for parameters),
// and where x's gradients differ most.
import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelNN

@Suite struct DyReLUKinkScan {
    @Test func scan() throws {
        let env = ProcessInfo.processInfo.environment
        let seedSpec = env["SCAN_SEEDS"] ?? "8"
        let seeds: [UInt64] = seedSpec.contains("-")
            ? { let b = seedSpec.split(separator: "-").map { UInt64($0)! }; return Array(b[0]...b[1]) }()
            : seedSpec.split(separator: ",").map { UInt64($0)! }
        let shape = (env["SCAN_SHAPE"] ?? "2x32x20x20").split(separator: "x").map { Int($0)! }
        let residual = env["SCAN_RESIDUAL"] != "0"
        let (c, positions) = (shape[1], shape[2] * shape[3])
        var disagreeing = 0
        for seed in seeds {
            for variant in ["a", "b"] {
                for mode in [Mode.training, .inference] {
                    // As the test builds them (startAlike: parameters moved by seed 8, buffers by seed 9).
                    let (norm, dy, referenceNorm, reference) = try DefaultRandom.seeded(seed) {
                        (BatchNorm(c), try Activations.factory("dyrelu:variant=\(variant)")(channels: c) as! DyReLU,
                         BatchNorm(c), try Activations.factory("dyrelu:variant=\(variant),fused=false")(channels: c) as! DyReLU)
                    }
                    for (p, q) in zip(norm.parameters + dy.parameters, referenceNorm.parameters + reference.parameters) {
                        p.assign(p + randn(p.shape, seed: 8, scale: 0.5)); q.assign(p)
                    }
                    for (a, b) in zip(norm.namedBuffers, referenceNorm.namedBuffers) {
                        a.1.assign(a.1 + randn(a.1.shape, seed: 9, scale: 0.2).abs()); b.1.assign(a.1)
                    }
                    for m in [norm, dy, referenceNorm, reference] { m.setMode(mode) }
                    let x = randn(shape, seed: 16, scale: 2) + 1; x.requiresGrad = true
                    let x2 = x.detached(); x2.requiresGrad = true
                    let r = randn(shape, seed: 17), r2 = r.detached()
                    r.requiresGrad = true; r2.requiresGrad = true
                    let probe = randn(shape, seed: 18)
                    let y1 = residual ? norm(x, adding: r, then: dy) : norm(x, then: dy)
                    let u = residual ? referenceNorm(x2) + r2 : referenceNorm(x2)
                    let y2 = reference(u)
                    (y1 * probe).sum().backward(); (y2 * probe).sum().backward()

                    func largestRelative(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max()! }
                    let dx = largestRelative(x.grad!.scalars, x2.grad!.scalars)
                    let dParameters = zip(norm.parameters + dy.parameters, referenceNorm.parameters + reference.parameters)
                        .map { largestRelative($0.grad!.scalars, $1.grad!.scalars) }.max()!

                    // The margin of every value of u between the two pieces' lines.
                    let (slopes, intercepts) = withoutGrad { reference.coefficients(u.detached()) }  // [N, C or 1, 2]
                    let us = u.detached().scalars, a = slopes.scalars, b = intercepts.scalars, groups = slopes.shape[1]
                    var nearest = (margin: Double.infinity, index: 0)
                    for (i, value) in us.enumerated() {
                        let k = ((i / (c * positions)) * groups + (groups == 1 ? 0 : (i / positions) % c)) * 2
                        let margin = abs((Double(a[k + 1]) - Double(a[k])) * Double(value) + Double(b[k + 1]) - Double(b[k]))
                        if margin < nearest.margin { nearest = (margin, i) }
                    }
                    let gx = x.grad!.scalars, gx2 = x2.grad!.scalars
                    let worst = gx.indices.max { abs(gx[$0] - gx2[$0]) < abs(gx[$1] - gx2[$1]) }!
                    let disagrees = dx > 1e-4 || dParameters > 5e-4
                    if disagrees { disagreeing += 1 }
                    print("SCAN seed \(seed) \(variant) \(mode): smallest margin \(nearest.margin) at \(nearest.index)"
                          + (disagrees ? "  DISAGREE: x \(dx) (worst at \(worst)), parameters \(dParameters)" : ""))
                }
            }
        }
        print("SCAN \(disagreeing) of \(seeds.count * 4) cases disagree")
    }
}
