import Foundation
import FunnelKernels
import Testing
@testable import FunnelTensor
import FunnelTestSupport

@Suite struct PointwiseTests {
    /// Each pointwise op against its formula evaluated in Double, and its gradient against finite differences.
    static let cases: [(String, @Sendable (Tensor) -> Tensor, @Sendable (Double) -> Double)] = [
        ("relu", { $0.relu() }, { Swift.max($0, 0) }),
        ("leaky_relu", { $0.leakyRelu(slope: 0.1) }, { $0 > 0 ? $0 : 0.1 * $0 }),
        ("elu", { $0.elu() }, { $0 > 0 ? $0 : Foundation.exp($0) - 1 }),
        ("tanh", { $0.tanh() }, { Foundation.tanh($0) }),
        ("sigmoid", { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }),
        ("exp", { $0.exp() }, { Foundation.exp($0) }),
        ("softplus", { $0.softplus() }, { Foundation.log1p(Foundation.exp($0)) }),
        ("gelu", { $0.gelu() }, { $0 * 0.5 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }),
        ("gelu_tanh", { $0.geluTanh() }, { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }),
        ("swish", { $0.swish(beta: 1.5) }, { $0 / (1 + Foundation.exp(-1.5 * $0)) }),
        ("mish", { $0.mish() }, { $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) }),
        ("hardswish", { $0.hardswish() }, { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }),
        ("abs", { $0.abs() }, { Swift.abs($0) }),
        ("square", { $0.squared() }, { $0 * $0 }),
        ("erf", { $0.erf() }, { Foundation.erf($0) }),
        ("clamp", { $0.clamped(-0.5, 0.7) }, { Swift.min(Swift.max($0, -0.5), 0.7) }),
        ("affine", { $0 * 3 - 1 }, { 3 * $0 - 1 }),
        ("neg", { -$0 }, { -$0 }),
    ]

    @Test(arguments: cases.indices)
    func valuesAndGradients(_ i: Int) {
        let (name, f, reference) = Self.cases[i]
        // Points away from kinks (0 for relu/abs, the clamp bounds) so finite differences are valid.
        let values: [Float] = [-2.3, -1.1, -0.37, 0.21, 0.55, 1.3, 2.9, -3.4, 0.83, 1.9, -0.8, 0.33]
        let x = Tensor(shape: [2, 3, 1, 2], scalars: values)
        let got = f(x).scalars
        for (v, g) in zip(values, got) {
            #expect(Swift.abs(Double(g) - reference(Double(v))) < 1e-5 * Swift.max(1, Swift.abs(reference(Double(v)))), "\(name)(\(v)) = \(g)")
        }
        checkGradients([x], h: 1e-2) { f($0[0]) }
    }

    /// Both paths of ReLU and leaky ReLU (a loop on the calling thread up to
    /// `Eltwise.smallReLUCount` elements, oneDNN above) against the formula, forward and backward,
    /// with zeros (gradient: the slope's share, 0 for ReLU as in PyTorch), negative zeros and NaN.
    @Test(arguments: [Float(0), 0.1])
    func reluPathsAgree(slope: Float) {
        let small = Eltwise.smallReLUCount, large = small + 977
        let kind = EltwiseKind.relu(slope: slope)
        var x = randn([large], seed: 11).scalars
        for i in stride(from: 0, to: large, by: 97) { x[i] = 0 }
        for i in stride(from: 5, to: large, by: 131) { x[i] = -0.0 }
        let g = randn([large], seed: 12).scalars
        func run(_ n: Int) -> (y: [Float], dx: [Float]) {
            var y = [Float](repeating: .nan, count: n), dx = y
            Eltwise.forward(kind, count: n, src: x, dst: &y)
            Eltwise.backward(kind, count: n, saved: kind.backwardUsesOutput ? y : Array(x.prefix(n)), diffDst: g, diffSrc: &dx)
            return (y, dx)
        }
        let (loopPath, oneDNN) = (run(small), run(large))
        for i in 0..<large {
            let y = x[i] > 0 ? x[i] : slope * x[i], dx = x[i] > 0 ? g[i] : slope * g[i]
            #expect(oneDNN.y[i] == y && oneDNN.dx[i] == dx, "oneDNN at \(i): x \(x[i]), y \(oneDNN.y[i]) (\(y)), dx \(oneDNN.dx[i]) (\(dx))")
            if i < small {
                #expect(loopPath.y[i] == y && loopPath.dx[i] == dx, "loop at \(i): x \(x[i]), y \(loopPath.y[i]) (\(y)), dx \(loopPath.dx[i]) (\(dx))")
            }
        }
        // NaN stays NaN on the loop's path, as in PyTorch.
        let nan: [Float] = [.nan, 1]
        var out: [Float] = [0, 0]
        Eltwise.forward(kind, count: 2, src: nan, dst: &out)
        #expect(out[0].isNaN && out[1] == 1)
    }

    @Test func knownValues() {
        let one = Tensor(shape: [1], scalars: [1])
        #expect(Swift.abs(one.gelu().item - 0.8413447) < 1e-6)
        #expect(Swift.abs(one.mish().item - 0.8650984) < 1e-6)
        #expect(Swift.abs(one.swish().item - 0.7310586) < 1e-6)
        #expect(Swift.abs(one.softplus().item - 1.3132616) < 1e-6)
    }

    @Test func positiveDomainOps() {
        let x = Tensor(shape: [5], scalars: [0.3, 0.9, 1.7, 2.5, 4.2])
        expectClose(x.log().scalars, [0.3, 0.9, 1.7, 2.5, 4.2].map { Float(Foundation.log(Double($0))) })
        expectClose(x.sqrt().scalars, [0.3, 0.9, 1.7, 2.5, 4.2].map { Float($0).squareRoot() })
        expectClose(x.pow(3).scalars, [0.3, 0.9, 1.7, 2.5, 4.2].map { $0 * $0 * $0 }, tol: 1e-5)
        checkGradients([x]) { $0[0].log() }
        checkGradients([x]) { $0[0].sqrt() }
        checkGradients([x]) { $0[0].pow(2.5) }
        checkGradients([x, Tensor(shape: [5], scalars: [0.5, 1.5, -1, 2, 0.1])]) { $0[0].pow($0[1]) }
    }
}
