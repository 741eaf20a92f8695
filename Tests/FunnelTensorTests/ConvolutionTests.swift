import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

@Suite struct ConvolutionTests {
    @Test func smallConvMatchesHandComputation() {
        // 1x1x3x3 input 1..9, 2x2 kernel [[1,0],[0,-1]]: out[i,j] = x[i,j] - x[i+1,j+1] = -4 everywhere.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])
        let y = x.conv2d(w, bias: Tensor(shape: [1], scalars: [0.5]))
        #expect(y.shape == [1, 1, 2, 2])
        expectClose(y.scalars, [-3.5, -3.5, -3.5, -3.5])
    }

    /// Multiply-adds inside the image, counted by hand: a 3x3 window with padding 1 on a 4x4 map
    /// has 2 + 3 + 3 + 2 = 10 (output, tap) pairs inside along each axis, 100 of 144; with stride 2
    /// on 5x5 (outputs at -1, 1, 3 for tap 0): 2 + 3 + 2 = 7 along each axis, 49 of 81.
    @Test func innerMultiplyAddsLeaveThePaddingOut() {
        let small = ConvGeometry(batch: 2, inChannels: 8, height: 4, width: 4, outChannels: 6, kh: 3, kw: 3, padH: 1, padW: 1)
        #expect(small.macs == 2 * 6 * 8 * 144)
        #expect(small.innerMACs == 2 * 6 * 8 * 100)
        let strided = ConvGeometry(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 4, kh: 3, kw: 3,
                                   strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 2)
        #expect(strided.macs == 4 * 2 * 81)
        #expect(strided.innerMACs == 4 * 2 * 49)
        let unpadded = ConvGeometry(batch: 1, inChannels: 3, height: 6, width: 6, outChannels: 5, kh: 3, kw: 3)
        #expect(unpadded.innerMACs == unpadded.macs)
        // The counter adds both while a model's forward pass runs.
        let x = randn([2, 8, 4, 4], seed: 30), w = randn([6, 8, 3, 3], seed: 31)
        let counter = OpCounter.record { _ = withoutGrad { x.conv2d(w, padding: (1, 1)) } }
        #expect(counter.multiplyAdds == small.macs && counter.innerMultiplyAdds == small.innerMACs)
    }

    @Test func multiChannelPaddedStrided() {
        // Two input channels, one output: weights 1 on channel 0, 2 on channel 1, 3x3 all-ones, pad 1, stride 2.
        let x = Tensor(shape: [1, 2, 3, 3], scalars: [Float](repeating: 1, count: 9) + [Float](repeating: 2, count: 9))
        let w = Tensor(shape: [1, 2, 3, 3], scalars: [Float](repeating: 1, count: 9) + [Float](repeating: 2, count: 9))
        let y = x.conv2d(w, stride: (2, 2), padding: (1, 1))
        // Each output sums (1*1 + 2*2) = 5 per covered pixel; corners cover 4 pixels.
        #expect(y.shape == [1, 1, 2, 2])
        expectClose(y.scalars, [20, 20, 20, 20])
    }

    @Test func gradients3x3() {
        checkGradients([randn([2, 3, 5, 5], seed: 1), randn([4, 3, 3, 3], seed: 2, scale: 0.5), randn([4], seed: 3)]) {
            $0[0].conv2d($0[1], bias: $0[2], padding: (1, 1))
        }
    }

    @Test func gradientsStridedDilated() {
        checkGradients([randn([2, 2, 7, 7], seed: 4), randn([3, 2, 3, 3], seed: 5, scale: 0.5)]) {
            $0[0].conv2d($0[1], stride: (2, 2), padding: (2, 2), dilation: (2, 2))
        }
    }

    @Test func gradientsDepthwise() {
        checkGradients([randn([2, 4, 5, 5], seed: 6), randn([4, 1, 3, 3], seed: 7, scale: 0.5), randn([4], seed: 8)]) {
            $0[0].conv2d($0[1], bias: $0[2], padding: (1, 1), groups: 4)
        }
    }

    @Test func gradientsRectangular() {
        checkGradients([randn([1, 3, 5, 6], seed: 9), randn([3, 1, 1, 3], seed: 10, scale: 0.5)]) {
            $0[0].conv2d($0[1], padding: (0, 1), groups: 3)
        }
        checkGradients([randn([1, 2, 5, 4], seed: 11), randn([2, 2, 3, 1], seed: 12, scale: 0.5)]) {
            $0[0].conv2d($0[1], padding: (1, 0))
        }
    }

    @Test func groupedConvGradients() {
        checkGradients([randn([1, 4, 4, 4], seed: 13), randn([6, 2, 3, 3], seed: 14, scale: 0.5)]) {
            $0[0].conv2d($0[1], padding: (1, 1), groups: 2)
        }
    }
}
