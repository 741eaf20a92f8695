import Testing
@testable import FunnelTensor
import FunnelTestSupport

/// Every broadcast pattern of the second operand, on channels-last maps and row-major tensors,
/// against a hand loop over logical indices. Patterns oneDNN has no fast kernel for (per sample,
/// per sample and channel, per position) run on `StridedBinary`; the others on oneDNN.
@Suite struct BroadcastPatternTests {
    static let patterns: [[Int]] = [
        [5, 1, 1, 1], [5, 6, 1, 1], [1, 1, 7, 9], [5, 1, 7, 9], [1, 6, 7, 1], [1, 6, 1, 1], [1, 1, 1, 1], [5, 6, 7, 9],
    ]

    @Test(arguments: patterns) func mapsMatchAHandLoop(bShape: [Int]) {
        let shape = [5, 6, 7, 9]
        let a = randn(shape, seed: 1), b = randn(bShape, seed: 2) + 0.5
        let ops: [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] = [
            ("add", { $0 + $1 }, { $0 + $1 }), ("sub", { $0 - $1 }, { $0 - $1 }), ("mul", { $0 * $1 }, { $0 * $1 }),
            ("div", { $0 / $1 }, { $0 / $1 }), ("max", { Tensor.maximum($0, $1) }, { max($0, $1) }),
            ("min", { Tensor.minimum($0, $1) }, { min($0, $1) }), ("greater", { Tensor.greater($0, $1) }, { $0 > $1 ? 1 : 0 }),
        ]
        let (av, bv) = (a.scalars, b.scalars)
        for (name, op, reference) in ops {
            var expected = [Float]()
            for n in 0..<5 { for c in 0..<6 { for h in 0..<7 { for w in 0..<9 {
                let i = [n, c, h, w], j = zip(i, bShape).map { $1 == 1 ? 0 : $0 }
                let bi = ((j[0] * bShape[1] + j[1]) * bShape[2] + j[2]) * bShape[3] + j[3]
                expected.append(reference(av[((n * 6 + c) * 7 + h) * 9 + w], bv[bi]))
            } } } }
            let y = op(a, b)
            #expect(y.shape == shape, "\(name) \(bShape)")
            expectClose(y.scalars, expected, tol: 1e-6)
        }
    }

    /// Large enough that two threads split the outermost loop; row-major `[N, L, C]` as in a
    /// sequence model, broadcasting per sample.
    @Test func largeRowMajorPerSampleBroadcast() {
        let a = randn([64, 33, 17], seed: 3), b = randn([64, 1, 1], seed: 4)
        let (av, bv) = (a.scalars, b.scalars)
        let expected = av.indices.map { av[$0] * bv[$0 / (33 * 17)] }
        expectClose((a * b).scalars, expected, tol: 1e-6)
    }

    /// Layer norm over (C, H, W) of a channels-last map: standardised per sample, gradients by
    /// finite differences (the op is composed of broadcasting sub and div).
    @Test func layerNormOverMaps() {
        let x = randn([3, 4, 5, 6], seed: 5)
        let y = x.groupNorm(groups: 1, weight: nil, bias: nil)
        let v = y.scalars
        for n in 0..<3 {
            let s = Array(v[(n * 120)..<((n + 1) * 120)])
            let mean = s.reduce(0, +) / 120, variance = s.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 120
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3)
        }
        checkGradients([randn([2, 3, 3, 4], seed: 6)]) { $0[0].groupNorm(groups: 1, weight: nil, bias: nil) * $0[0] }
    }
}
