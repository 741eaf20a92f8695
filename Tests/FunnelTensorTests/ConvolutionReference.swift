import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

// 3x3 convolutions with padding 1 summed tap by tap in double precision, and the checks that hold
// Funnel's own kernels to them (`Conv3x3KernelTests`, `Winograd4x3KernelTests`). Tensors are NCHW,
// weights (o, i, ty, tx), as the public API has them.

/// `y[b, o, oy, ox] = Σ x[b, i, oy s - 1 + ty, ox s - 1 + tx] w[o, i, ty, tx]` inside the image.
func tapSumOutput(_ g: ConvGeometry, x: [Float], weight: [Float]) -> [Double] {
    let (n, c, h, w, o) = (g.batch, g.inChannels, g.height, g.width, g.outChannels)
    var y = [Double](repeating: 0, count: n * o * g.outHeight * g.outWidth)
    for b in 0..<n { for k in 0..<o { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
        var sum = 0.0
        for i in 0..<c { for ty in 0..<3 { for tx in 0..<3 {
            let iy = oy * g.strideH - 1 + ty, ix = ox * g.strideW - 1 + tx
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            sum += Double(x[((b * c + i) * h + iy) * w + ix]) * Double(weight[((k * c + i) * 3 + ty) * 3 + tx])
        } } }
        y[((b * o + k) * g.outHeight + oy) * g.outWidth + ox] = sum
    } } } }
    return y
}

/// `dw[o, i, ty, tx] = Σ dy[b, o, oy, ox] x[b, i, oy s - 1 + ty, ox s - 1 + tx]` inside the image.
func tapSumWeightGradient(_ g: ConvGeometry, x: [Float], dy: [Float]) -> [Double] {
    let (n, c, h, w, o) = (g.batch, g.inChannels, g.height, g.width, g.outChannels)
    var dw = [Double](repeating: 0, count: o * c * 9)
    for b in 0..<n { for k in 0..<o { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
        let d = Double(dy[((b * o + k) * g.outHeight + oy) * g.outWidth + ox])
        for i in 0..<c { for ty in 0..<3 { for tx in 0..<3 {
            let iy = oy * g.strideH - 1 + ty, ix = ox * g.strideW - 1 + tx
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            dw[((k * c + i) * 3 + ty) * 3 + tx] += d * Double(x[((b * c + i) * h + iy) * w + ix])
        } } }
    } } } }
    return dw
}

/// `dx[b, i, iy, ix] = Σ dy[b, o, oy, ox] w[o, i, ty, tx]` over the taps that read (iy, ix).
func tapSumInputGradient(_ g: ConvGeometry, dy: [Float], weight: [Float]) -> [Double] {
    let (n, c, h, w, o) = (g.batch, g.inChannels, g.height, g.width, g.outChannels)
    var dx = [Double](repeating: 0, count: n * c * h * w)
    for b in 0..<n { for k in 0..<o { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
        let d = Double(dy[((b * o + k) * g.outHeight + oy) * g.outWidth + ox])
        for i in 0..<c { for ty in 0..<3 { for tx in 0..<3 {
            let iy = oy * g.strideH - 1 + ty, ix = ox * g.strideW - 1 + tx
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            dx[((b * c + i) * h + iy) * w + ix] += d * Double(weight[((k * c + i) * 3 + ty) * 3 + tx])
        } } }
    } } } }
    return dx
}

/// The largest difference of `actual` from `expected`, within `tolerance` of the largest expected value.
func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let scale = expected.map(abs).max() ?? 1
    let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(actual.count == expected.count && worst <= tolerance * scale, "\(what): largest difference \(worst) of \(scale)",
            sourceLocation: sourceLocation)
}

/// `conv2d` of random input and weights against `tapSumOutput`.
func expectOutputMatchesTapSum(_ g: ConvGeometry, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    let x = randn([g.batch, g.inChannels, g.height, g.width], seed: 80), weight = randn([g.outChannels, g.inChannels, 3, 3], seed: 81, scale: 0.3)
    let y = withoutGrad { x.conv2d(weight, stride: (g.strideH, g.strideW), padding: (1, 1)) }
    #expect(y.shape == [g.batch, g.outChannels, g.outHeight, g.outWidth], sourceLocation: sourceLocation)
    expectClose(y.scalars, tapSumOutput(g, x: x.scalars, weight: weight.scalars), tolerance: tolerance, "\(g) output",
                sourceLocation: sourceLocation)
}

/// The weight gradient of `conv2d` against `tapSumWeightGradient`.
func expectWeightGradientMatchesTapSum(_ g: ConvGeometry, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let x = randn([g.batch, g.inChannels, g.height, g.width], seed: 82), weight = randn([g.outChannels, g.inChannels, 3, 3], seed: 83, scale: 0.3)
    let dy = randn([g.batch, g.outChannels, g.outHeight, g.outWidth], seed: 84)
    weight.requiresGrad = true
    x.conv2d(weight, stride: (g.strideH, g.strideW), padding: (1, 1)).backward(dy)
    expectClose(try #require(weight.grad).scalars, tapSumWeightGradient(g, x: x.scalars, dy: dy.scalars), tolerance: tolerance,
                "\(g) weight gradient", sourceLocation: sourceLocation)
}

/// Both gradients of a stride-1 convolution in one pass over the samples (`Convolution.usesOwnBackward`):
/// against the sums in double, and bit for bit what the two passes give run apart (only the input or
/// only the weights asking for a gradient), with the input gradient written and added to a residual's share.
func expectBothGradientsMatchTapSumsAndPassesApart(_ g: ConvGeometry, tolerance: Double,
                                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let (n, c, h, w, o) = (g.batch, g.inChannels, g.height, g.width, g.outChannels)
    let dy = randn([n, o, h, w], seed: 88)
    for residual in [false, true] {
        func gradients(input: Bool, weights: Bool) -> (dx: [Float]?, dw: [Float]?) {
            let leaf = randn([n, c, h, w], seed: 89), weight = randn([o, c, 3, 3], seed: 90, scale: 0.3)
            leaf.requiresGrad = input
            weight.requiresGrad = weights
            // x an op's output, as a block's input is: with the residual, its share 2 dy is
            // pending (a buffer of its own) when the convolution's backward runs, which adds its
            // input gradient into it.
            let x = leaf * 1
            let y = x.conv2d(weight, padding: (1, 1))
            if residual, c == o { (x * 2 + y).backward(dy) } else { y.backward(dy) }
            return (leaf.grad?.scalars, weight.grad?.scalars)
        }
        let both = gradients(input: true, weights: true)
        let dx = try #require(both.dx, sourceLocation: sourceLocation), dw = try #require(both.dw, sourceLocation: sourceLocation)
        for (fused, apart, name) in [(dx, gradients(input: true, weights: false).dx, "dx"), (dw, gradients(input: false, weights: true).dw, "dw")] {
            let apart = try #require(apart, sourceLocation: sourceLocation)
            let differing = zip(fused, apart).filter { $0 != $1 }.count
            #expect(fused.count == apart.count && differing == 0,
                    "\(g) \(name), residual \(residual): \(differing) of \(fused.count) differ from the passes apart", sourceLocation: sourceLocation)
        }
        let x = randn([n, c, h, w], seed: 89), weight = randn([o, c, 3, 3], seed: 90, scale: 0.3)
        var expectedDx = tapSumInputGradient(g, dy: dy.scalars, weight: weight.scalars)
        if residual, c == o { expectedDx = zip(expectedDx, dy.scalars).map { $0 + 2 * Double($1) } }
        expectClose(dx, expectedDx, tolerance: tolerance, "\(g) dx, residual \(residual)", sourceLocation: sourceLocation)
        expectClose(dw, tapSumWeightGradient(g, x: x.scalars, dy: dy.scalars), tolerance: tolerance, "\(g) dw, residual \(residual)",
                    sourceLocation: sourceLocation)
    }
}

/// Both gradients of a stride-1 convolution with padding 1 (`g`'s shapes, random values), the same
/// bits on one compute thread and on all of them.
func expectBothGradientsSameOnOneThread(_ g: ConvGeometry, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dy = randn([g.batch, g.outChannels, g.height, g.width], seed: seed)
    func gradients() throws -> [Float] {
        let x = randn([g.batch, g.inChannels, g.height, g.width], seed: seed + 1)
        let weight = randn([g.outChannels, g.inChannels, 3, 3], seed: seed + 2, scale: 0.3)
        x.requiresGrad = true
        weight.requiresGrad = true
        x.conv2d(weight, padding: (1, 1)).backward(dy)
        return try #require(x.grad).scalars + #require(weight.grad).scalars
    }
    try expectSameOnOneThread(gradients, sourceLocation: sourceLocation)
}
