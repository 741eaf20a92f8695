import Testing
@testable import FunnelTensor
import FunnelTestSupport

@Suite struct ReduceShapeTests {
    let x = Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map { Float($0) })

    @Test func reductionsMatchHandSums() {
        // Logical NCHW values 0..23; channel c of sample n holds n*12 + c*4 + (0...3).
        #expect(x.sum().item == 276)
        expectClose(x.sum(axes: [0, 2, 3]).scalars, [(0 + 1 + 2 + 3 + 12 + 13 + 14 + 15), (4 + 5 + 6 + 7 + 16 + 17 + 18 + 19), (8 + 9 + 10 + 11 + 20 + 21 + 22 + 23)].map(Float.init))
        expectClose(x.mean(axes: [2, 3]).scalars, [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
        expectClose(x.max(axes: [1]).scalars, [8, 9, 10, 11, 20, 21, 22, 23])
        expectClose(x.min(axes: [1, 2, 3]).scalars, [0, 12])
        // Unbiased variance of 0,1,2,3 = 1.6667; biased = 1.25.
        expectClose(x.variance(axes: [2, 3]).scalars, [Float](repeating: 5.0 / 3, count: 6))
        expectClose(x.variance(axes: [2, 3], unbiased: false).scalars, [Float](repeating: 1.25, count: 6))
        #expect(x.sum(axes: [1], keepDims: true).shape == [2, 1, 2, 2])
    }

    /// Every subset of axes, on a channels-last map and on a permuted view of it, against sums,
    /// maxima and minima of the logical values: the walk merges axes contiguous in memory and
    /// loops a reduced axis inside its leaf (in 16-channel vectors when channels allow), which must
    /// not change what is summed.
    @Test(arguments: [[3, 5, 4, 6], [2, 32, 3, 5], [2, 16, 2, 4]])
    func everyAxisSubsetMatchesLogicalReductions(shape: [Int]) {
        let map = randn(shape, seed: 13)
        for t in [map, map.permuted([2, 0, 3, 1])] {
            let dims = t.shape, values = t.scalars
            for mask in 1..<(1 << 4) {
                let axes = (0..<4).filter { mask >> $0 & 1 == 1 }
                var sums = [Int: Float](), maxima = [Int: Float](), minima = [Int: Float]()
                // A value's output index: its row-major index over the kept dims only.
                let keptDims = (0..<4).filter { !axes.contains($0) }
                for flat in 0..<values.count {
                    var rest = flat, index = [Int](repeating: 0, count: 4)
                    for d in (0..<4).reversed() { index[d] = rest % dims[d]; rest /= dims[d] }
                    let kept = keptDims.reduce(0) { $0 * dims[$1] + index[$1] }
                    sums[kept, default: 0] += values[flat]
                    maxima[kept] = Swift.max(maxima[kept] ?? -.infinity, values[flat])
                    minima[kept] = Swift.min(minima[kept] ?? .infinity, values[flat])
                }
                let keys = sums.keys.sorted()
                expectClose(t.sum(axes: axes).scalars, keys.map { sums[$0]! }, tol: 1e-4)
                #expect(t.max(axes: axes).scalars == keys.map { maxima[$0]! }, "axes \(axes) of \(dims)")
                #expect(t.min(axes: axes).scalars == keys.map { minima[$0]! }, "axes \(axes) of \(dims)")
            }
        }
    }

    @Test func reductionGradients() {
        let r = randn([2, 3, 2, 2], seed: 5)
        checkGradients([r]) { $0[0].sum(axes: [1, 3]) }
        checkGradients([r]) { $0[0].mean(axes: [0, 2, 3], keepDims: true) }
        checkGradients([r]) { $0[0].max(axes: [2, 3]) }
        checkGradients([r]) { $0[0].variance(axes: [0, 2, 3]) }
        checkGradients([randn([3, 4], seed: 6)]) { $0[0].max(axes: [1]) }
    }

    /// Sums and means give compact gradients (`[N, C, 1, 1]`), which the engine broadcasts into an
    /// input's other gradients or expands when they reach a leaf alone: the same as the full ones.
    @Test func compactGradientsAddUpAsFullOnes() {
        // A map (channels-last in memory, as the models' activations) with a full gradient beside the compact ones.
        let x = randn([2, 16, 3, 3], seed: 8)
        x.requiresGrad = true
        let w = randn([2, 16, 3, 3], seed: 9), v = randn([2, 16], seed: 10)
        let h = x * 1  // an op between the leaf and its consumers: their gradients meet in the engine
        ((h * w).sum() + (h.mean(axes: [2, 3]) * v).sum() + h.sum(axes: [1, 2, 3]).sum() * 0.5).backward()
        let expected = (0..<x.count).map { i -> Float in
            let (n, c) = (i / 144, i / 9 % 16)  // logical NCHW index
            return w.scalars[i] + v.scalars[n * 16 + c] / 9 + 0.5
        }
        expectClose(x.grad!.scalars, expected, tol: 1e-5)
        #expect(x.grad!.shape == x.shape)
        // A compact gradient alone reaches the leaf in the leaf's shape.
        let y = randn([2, 3, 2, 2], seed: 11)
        y.requiresGrad = true
        y.mean(axes: [2, 3]).sum().backward()
        #expect(y.grad!.shape == [2, 3, 2, 2])
        expectClose(y.grad!.scalars, [Float](repeating: 0.25, count: 24))
        checkGradients([randn([2, 3, 2, 2], seed: 12)]) { ($0[0] * $0[0]).mean(axes: [2, 3], keepDims: true) * $0[0] }
    }

    @Test func reshapeKeepsLogicalOrder() {
        let flat = x.reshaped(to: [2, 12])
        #expect(flat.scalars == (0..<24).map { Float($0) })
        let back = flat.reshaped(to: [2, 3, 2, 2])
        #expect(back[1, 2, 1, 0] == 22)
        #expect(x.reshaped(to: [6, -1]).shape == [6, 4])
        checkGradients([randn([2, 3, 2, 2], seed: 7)]) { $0[0].reshaped(to: [4, 6]) * Tensor.arange(0, 6) }
    }

    @Test func permuteSliceConcatSplit() {
        let m = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(m.transposed().scalars == [1, 4, 2, 5, 3, 6])
        #expect(x.permuted([0, 2, 3, 1]).shape == [2, 2, 2, 3])
        #expect(x.permuted([0, 2, 3, 1])[1, 0, 1, 2] == x[1, 2, 0, 1])
        #expect(x.sliced(axis: 1, 1..<3).scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        let parts = x.split(sizes: [1, 2], axis: 1)
        #expect(Tensor.concat(parts, axis: 1).scalars == x.scalars)
        #expect(Tensor.concat([m, m], axis: 0).shape == [4, 3])
        let r = randn([2, 4, 3, 2], seed: 8)
        checkGradients([r]) { $0[0].permuted([3, 1, 0, 2]) }
        checkGradients([r]) { $0[0].sliced(axis: 2, 1..<3) }
        checkGradients([r, randn([2, 1, 3, 2], seed: 9)]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([r]) { let p = $0[0].chunked(2, axis: 1); return p[0] * p[1] }
    }

    @Test func channelShuffleMatchesDefinition() {
        // 6 channels, 2 groups: new channel order 0, 3, 1, 4, 2, 5.
        let t = Tensor(shape: [1, 6, 1, 1], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.channelShuffled(groups: 2).scalars == [0, 3, 1, 4, 2, 5])
        checkGradients([randn([1, 6, 2, 2], seed: 10)]) { $0[0].channelShuffled(groups: 3) * Tensor.arange(0, 2) }
    }

    @Test func matmulValuesAndGradients() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b).scalars == [58, 64, 139, 154])
        checkGradients([randn([2, 3, 4], seed: 11), randn([4, 5], seed: 12)]) { $0[0].matmul($0[1]) }
    }

    @Test func creationAndDeterminism() {
        #expect(Tensor.arange(0, 5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor.full([2, 2], 7).scalars == [7, 7, 7, 7])
        var g1 = RandomGenerator(seed: 42), g2 = RandomGenerator(seed: 42)
        #expect(Tensor.normal([3, 4, 5, 6], generator: &g1).scalars == Tensor.normal([3, 4, 5, 6], generator: &g2).scalars)
        var g = RandomGenerator(seed: 7)
        let u = Tensor.uniform([20000], low: -2, high: 2, generator: &g).scalars
        #expect(u.allSatisfy { $0 >= -2 && $0 < 2 })
        #expect(Swift.abs(u.reduce(0, +) / 20000) < 0.05)
        let n = Tensor.normal([20000], mean: 1, std: 2, generator: &g)
        #expect(Swift.abs(n.mean().item - 1) < 0.05)
        #expect(Swift.abs(n.variance().sqrt().item - 2) < 0.05)
    }

    @Test func splitMix64StreamIsTheDocumentedOne() {
        // SplitMix64 reference outputs for seed 0 (Vigna's splitmix64.c).
        var g = RandomGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
