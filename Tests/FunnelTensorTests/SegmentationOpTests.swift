import Foundation
import FunnelKernels
import Testing
@testable import FunnelTensor
import FunnelTestSupport

/// The ops a segmentation network adds: bilinear resizing, per-pixel cross-entropy with an ignore
/// label, adaptive average pooling and the per-pixel argmax.
@Suite struct SegmentationOpTests {
    /// PyTorch's `F.interpolate(mode="bilinear", align_corners=False)` written out for one plane:
    /// source coordinate `(o + 0.5) * in / out - 0.5`, clamped below at 0, taps `i0 = floor`,
    /// `i1 = min(i0 + 1, in - 1)` (aten's `upsample_bilinear2d`, `area_pixel_compute_source_index`).
    static func referenceResize(_ plane: [Float], _ h: Int, _ w: Int, _ oh: Int, _ ow: Int) -> [Float] {
        func taps(_ o: Int, _ n: Int, _ out: Int) -> (Int, Int, Float) {
            let src = max(0, (Float(o) + 0.5) * Float(n) / Float(out) - 0.5)
            let i0 = min(Int(src), n - 1), i1 = min(i0 + 1, n - 1)
            return (i0, i1, src - Float(i0))
        }
        var out: [Float] = []
        for y in 0..<oh {
            let (y0, y1, ly) = taps(y, h, oh)
            for x in 0..<ow {
                let (x0, x1, lx) = taps(x, w, ow)
                let top = (1 - lx) * plane[y0 * w + x0] + lx * plane[y0 * w + x1]
                let bottom = (1 - lx) * plane[y1 * w + x0] + lx * plane[y1 * w + x1]
                out.append((1 - ly) * top + ly * bottom)
            }
        }
        return out
    }

    @Test(arguments: [(3, 4, 7, 5), (8, 6, 3, 4), (2, 2, 8, 8), (5, 5, 5, 9)])
    func bilinearResizeMatchesPyTorchsFormula(_ size: (Int, Int, Int, Int)) {
        let (h, w, oh, ow) = size
        let x = randn([2, 3, h, w], seed: 11)
        let y = x.resizedBilinear(height: oh, width: ow)
        #expect(y.shape == [2, 3, oh, ow])
        let values = x.scalars
        let expected = (0..<6).flatMap { plane in Self.referenceResize(Array(values[plane * h * w ..< (plane + 1) * h * w]), h, w, oh, ow) }
        expectClose(y.scalars, expected, tol: 1e-5)
    }

    @Test func bilinearResizeGradients() {
        checkGradients([randn([2, 3, 3, 4], seed: 12)]) { $0[0].resizedBilinear(height: 7, width: 6) }
        checkGradients([randn([1, 2, 6, 5], seed: 13)]) { $0[0].resizedBilinear(height: 3, width: 4) }
    }

    @Test func bilinearResizeReusesItsPrimitives() {
        let x = randn([1, 2, 5, 3], seed: 14)
        _ = x.resizedBilinear(height: 9, width: 7)
        _ = x.resizedBilinear(height: 9, width: 7)
        #expect(cachedPrimitiveCount(containing: "resample_fwd|n1 c2 5x3->9x7") == 1)
    }

    @Test func pixelCrossEntropyMatchesHandValues() {
        // One image, 2 classes, 1x3 pixels: logits (0, 0), (2, 0), (0, 1); labels 0, 0, ignored.
        let logits = Tensor(shape: [1, 2, 1, 3], scalars: [0, 2, 0, /* class 1: */ 0, 0, 1])
        let loss = logits.pixelCrossEntropy(labels: [0, 0, 255]).item
        let expected = (Foundation.log(2.0) + Foundation.log(1 + Foundation.exp(-2.0))) / 2 // the ignored pixel counts neither in the sum nor the mean
        #expect(Swift.abs(Double(loss) - expected) < 1e-5) // float32 log-softmax
        #expect(logits.pixelCrossEntropy(labels: [255, 255, 255]).item == 0)
        // With no pixel ignored it is the classification loss of the pixels as rows.
        let rows = logits.permuted([0, 2, 3, 1]).reshaped(to: [3, 2])
        #expect(Swift.abs(logits.pixelCrossEntropy(labels: [1, 0, 1]).item - rows.crossEntropy(labels: [1, 0, 1]).item) < 1e-6)
    }

    @Test func pixelCrossEntropyGradientsSkipIgnoredPixels() {
        let labels = [0, 2, 255, 1, 1, 255, 0, 2, 2, 0, 255, 1]
        checkGradients([randn([2, 3, 2, 3], seed: 15)]) { $0[0].pixelCrossEntropy(labels: labels) }
        let x = randn([2, 3, 2, 3], seed: 16)
        x.requiresGrad = true
        x.pixelCrossEntropy(labels: labels).backward()
        let g = x.grad!
        // Pixel (n 0, y 0, x 2) is ignored: no gradient reaches any of its classes.
        #expect((0..<3).allSatisfy { g[0, $0, 0, 2] == 0 })
    }

    @Test func adaptiveAveragePoolingCellsOverlapAsPyTorchs() {
        // 5 rows into 2 bins: rows 0..<3 and 2..<5 (floor(i*5/2) ..< ceil((i+1)*5/2)).
        let x = Tensor(shape: [1, 1, 5, 1], scalars: [1, 2, 3, 4, 5])
        expectClose(x.adaptiveAvgPool2d((2, 1)).scalars, [2, 4])
        let y = randn([2, 3, 4, 4], seed: 17)
        expectClose(y.adaptiveAvgPool2d((2, 2)).scalars, y.avgPool2d(kernel: (2, 2)).scalars)
        checkGradients([randn([1, 2, 5, 3], seed: 18)]) { $0[0].adaptiveAvgPool2d((2, 2)) }
    }

    @Test func argmaxChannelsGivesEachPixelsClass() {
        // [1, 3, 1, 2]: pixel 0 scores (1, 5, 2) -> 1, pixel 1 scores (7, 0, 7) -> 0 (first of a tie).
        let x = Tensor(shape: [1, 3, 1, 2], scalars: [1, 7, 5, 0, 2, 7])
        #expect(x.argmaxChannels() == [1, 0])
    }
}
