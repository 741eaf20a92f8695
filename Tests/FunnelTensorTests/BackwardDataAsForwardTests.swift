import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// Stride-1 convolutions take their input gradient from a forward convolution with the weights
/// transposed and turned (`ConvGeometry.backwardDataAsForward`): checked against the gradient summed
/// tap by tap in double precision, on square, rectangular and 1x1 kernels, padded less than, as much
/// as and more than "same", with unequal channel counts so that a transposition left out shows.
@Suite struct BackwardDataAsForwardTests {
    /// `dx[b, i, iy, ix] = Σ dy[b, o, oy, ox] w[o, i, ty, tx]` over the taps with `oy + ty - pad = iy`.
    func referenceInputGradient(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, padH: Int, padW: Int,
                                weight: [Float], dy: [Float]) -> [Double] {
        let oh = h + 2 * padH - kh + 1, ow = w + 2 * padW - kw + 1
        var dx = [Double](repeating: 0, count: n * c * h * w)
        for b in 0..<n { for k in 0..<o { for i in 0..<c { for oy in 0..<oh { for ox in 0..<ow { for ty in 0..<kh { for tx in 0..<kw {
            let iy = oy - padH + ty, ix = ox - padW + tx
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            dx[((b * c + i) * h + iy) * w + ix] += Double(dy[((b * o + k) * oh + oy) * ow + ox]) * Double(weight[((k * c + i) * kh + ty) * kw + tx])
        } } } } } } }
        return dx
    }

    @Test(arguments: [(2, 5, 7, 6, 3, 3, 3, 1, 1), (1, 16, 5, 5, 24, 3, 3, 0, 0), (2, 3, 6, 5, 4, 5, 3, 2, 1),
                      (1, 4, 4, 6, 2, 3, 3, 2, 2), (1, 2, 5, 4, 2, 3, 1, 1, 0), (2, 24, 3, 4, 40, 1, 1, 0, 0), (1, 48, 2, 2, 16, 1, 1, 0, 0)])
    func inputGradientMatchesTheTapSum(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, padH: Int, padW: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: kh, kw: kw, padH: padH, padW: padW)
        let transposed = try #require(g.backwardDataAsForward)
        #expect(transposed.outHeight == h && transposed.outWidth == w && transposed.outChannels == c)
        let x = randn([n, c, h, w], seed: 60), weight = randn([o, c, kh, kw], seed: 61, scale: 0.3)
        let dy = randn([n, o, g.outHeight, g.outWidth], seed: 62)
        x.requiresGrad = true
        x.conv2d(weight, padding: (padH, padW)).backward(dy)
        let expected = referenceInputGradient(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, padH: padH, padW: padW,
                                              weight: weight.scalars, dy: dy.scalars)
        let actual = try #require(x.grad).scalars
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) of \(scale)")
    }

    /// Strided, dilated and grouped convolutions, padding as wide as the kernel, and windows larger
    /// than 1x1 with more than 128 channels in or out keep oneDNN's backward-data primitive.
    @Test func onlyStrideOneUngroupedWindowsRunAsForward() {
        func geometry(c: Int = 8, o: Int = 8, k: Int = 3, stride: Int = 1, dilation: Int = 1, groups: Int = 1, pad: Int = 1) -> ConvGeometry {
            ConvGeometry(batch: 2, inChannels: c, height: 8, width: 8, outChannels: o, kh: k, kw: k, strideH: stride, strideW: stride,
                         padH: pad, padW: pad, dilationH: dilation, dilationW: dilation, groups: groups)
        }
        for g in [geometry(), geometry(c: 128, o: 128), geometry(k: 1, pad: 0), geometry(c: 2048, o: 512, k: 1, pad: 0)] {
            #expect(g.backwardDataAsForward != nil, "\(g)")
        }
        for g in [geometry(k: 1, stride: 2, pad: 0), geometry(stride: 2), geometry(dilation: 2), geometry(groups: 2), geometry(groups: 8), geometry(pad: 3),
                  geometry(c: 256), geometry(o: 256)] {
            #expect(g.backwardDataAsForward == nil, "\(g)")
        }
    }
}
