import Foundation
import Testing
import FunnelKernels

/// `DynamicReLUKernel.sigmoids` (the vector kernel `funnel_sigmoid`) against σ evaluated in
/// Double: every float it returns within a few units in the last place, and the edges as
/// `1 / (1 + exp(-z))` gives them.
@Suite struct SigmoidKernelTests {
    /// σ at `values` (an even count) through the kernel: `z` as `[N, 1, 2]`, one piece's slope and
    /// intercept per sample.
    static func sigmoids(_ values: [Float]) -> [Float] {
        let shape = DynamicReLUShape(batch: values.count / 2, positions: 1, channels: 1, pieces: 1, groups: 1, lambdaA: 0, lambdaB: 0)
        let out = values.withUnsafeBufferPointer { DynamicReLUKernel.sigmoids($0.baseAddress!, shape: shape) }
        return (0..<values.count).map { out.pointer[$0] }
    }

    /// Units in the last place between `got` and the Double value, at the Double value's float.
    static func ulps(_ got: Float, _ exact: Double) -> Double {
        let nearest = Float(exact)
        return Swift.abs(Double(got) - exact) / Double(nearest.ulp)
    }

    @Test func withinFourUnitsInTheLastPlace() {
        // A dense sweep of [-90, 90]; 200,002 is not a multiple of 16, so the last two take the tail path.
        let count = 200_002
        let values = (0..<count).map { Float(-90 + 180 * Double($0) / Double(count - 1)) }
        let got = Self.sigmoids(values)
        var worst = 0.0
        for (z, s) in zip(values, got) {
            let exact = 1 / (1 + Foundation.exp(-Double(z)))
            // Below float's normal range (z < -87.3) an ulp is meaningless; there σ must be at most that small.
            if exact < Double(Float.leastNormalMagnitude) { #expect(s >= 0 && Double(s) < 1e-37, "σ(\(z)) = \(s)"); continue }
            worst = Swift.max(worst, Self.ulps(s, exact))
        }
        #expect(worst <= 4, "largest error \(worst) units in the last place")
    }

    @Test func edges() {
        let values: [Float] = [0, -0.0, .infinity, -.infinity, 1e30, -1e30, 87.5, -87.5, .nan, 1]
        let got = Self.sigmoids(values)
        #expect(got[0] == 0.5 && got[1] == 0.5)
        #expect(got[2] == 1 && got[3] == 0)
        #expect(got[4] == 1 && got[5] == 0)
        #expect(got[6] == 1 && got[7] > 0 && got[7] < 1e-37)
        #expect(got[8].isNaN, "a NaN in the hyper function's output stays NaN, to be caught")
        #expect(Self.ulps(got[9], 1 / (1 + Foundation.exp(-1.0))) <= 4)
    }

    @Test func tailShorterThanAVector() {
        // Lengths that leave 2, 14 values past the last whole vector, against the same values in a whole vector.
        let values = (0..<32).map { Float($0) * 0.37 - 6 }
        let whole = Self.sigmoids(values)
        for count in [18, 30] {
            #expect(Self.sigmoids(Array(values.prefix(count))) == Array(whole.prefix(count)))
        }
    }
}
