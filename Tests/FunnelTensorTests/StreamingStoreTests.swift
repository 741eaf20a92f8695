import Testing
import FunnelKernels
@testable import FunnelTensor
import FunnelTestSupport

/// The C kernels' streaming stores (`StreamingStores`) write exactly what ordinary stores write:
/// every output and gradient of batch norm (with ReLU and a residual) and of the fused FReLU and
/// DY-ReLU ops (with an input norm), in training, and the layout changes of Winograd convolutions
/// (`ChannelBlocks`), is bitwise the same with every aligned output streamed and with none. (The
/// suite is serialized: only its tests change the threshold.)
@Suite(.serialized) struct StreamingStoreTests {
    /// Runs `body` with every output streamed and with none; expects the same values, bit for bit.
    private func expectTheSameBothWays(_ body: () -> [[Float]]) {
        let saved = (StreamingStores.minimumBytes, StreamingStores.minimumBytesReadLater)
        defer { (StreamingStores.minimumBytes, StreamingStores.minimumBytesReadLater) = saved }
        (StreamingStores.minimumBytes, StreamingStores.minimumBytesReadLater) = (0, 0)
        let streamed = body()
        (StreamingStores.minimumBytes, StreamingStores.minimumBytesReadLater) = (.max, .max)
        let stored = body()
        #expect(streamed.map(\.count) == stored.map(\.count))
        for (i, (a, b)) in zip(streamed, stored).enumerated() {
            let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "result \(i): \(differing) of \(a.count) values differ")
        }
    }

    /// 32 channels (whole 16-lane blocks, which stream) and 20 (a remainder, which never does).
    @Test(arguments: [32, 20])
    func batchNormIsTheSameStreamed(channels c: Int) {
        expectTheSameBothWays {
            let x = randn([6, c, 9, 7], seed: 51), w = randn([c], seed: 52) + 1, b = randn([c], seed: 53), r = randn([6, c, 9, 7], seed: 54)
            for t in [x, w, b, r] { t.requiresGrad = true }
            let y = x.batchNorm(weight: w, bias: b, runningMean: Tensor.zeros([c]), runningVar: Tensor.full([c], 1), training: true,
                                adding: r, relu: true)
            (y * randn(y.shape, seed: 55)).sum().backward()
            #expect(y.scalars.contains(0) && y.scalars.contains { $0 > 0 })
            return [y.scalars] + [x, w, b, r].map { $0.grad!.scalars }
        }
    }

    /// FReLU's three streamed outputs (`t`, `y`, `dx`) and the input norm's gradient pass, with a
    /// residual added after the norm (its gradient streamed too).
    @Test func freluIsTheSameStreamed() {
        let c = 32
        expectTheSameBothWays {
            let z = randn([4, c, 11, 13], seed: 61), convWeight = randn([c, 1, 3, 3], seed: 62, scale: 0.5), convBias = randn([c], seed: 63)
            let gamma = randn([c], seed: 64) + 1, beta = randn([c], seed: 65), normWeight = randn([c], seed: 66) + 1, normBias = randn([c], seed: 67)
            let r = randn(z.shape, seed: 69)
            let parameters = [z, convWeight, convBias, gamma, beta, normWeight, normBias, r]
            for t in parameters { t.requiresGrad = true }
            let norm = InputNorm(weight: normWeight, bias: normBias, runningMean: Tensor.zeros([c]), runningVar: Tensor.full([c], 1))
            let y = z.funnel(convWeight: convWeight, convBias: convBias, bnWeight: gamma, bnBias: beta, runningMean: Tensor.zeros([c]),
                             runningVar: Tensor.full([c], 1), training: true, inputNorm: norm, adding: r)
            (y * randn(y.shape, seed: 68)).sum().backward()
            return [y.scalars] + parameters.map { $0.grad!.scalars }
        }
    }

    /// DY-ReLU's streamed output and gradients (`y`; the norm's input's and the residual's), over
    /// several tiles of positions (see `dyrelu2.c`).
    @Test func dyreluIsTheSameStreamed() {
        let (n, c) = (3, 32)
        expectTheSameBothWays {
            let z = randn([n, c, 12, 11], seed: 71), r = randn([n, c, 12, 11], seed: 72), k = randn([1, 1, 4], seed: 73)
            let normWeight = randn([c], seed: 74) + 1, normBias = randn([c], seed: 75)
            let parameters = [z, r, k, normWeight, normBias]
            for t in parameters { t.requiresGrad = true }
            let norm = InputNorm(weight: normWeight, bias: normBias, runningMean: Tensor.zeros([c]), runningVar: Tensor.full([c], 1))
            let y = z.dynamicReLU(after: norm, training: true, adding: r, lambdaA: 1, lambdaB: 0.5) { pooled in
                pooled.reshaped(to: [n, c, 1]) * k
            }
            (y * randn(y.shape, seed: 76)).sum().backward()
            return [y.scalars] + parameters.map { $0.grad!.scalars }
        }
    }

    /// Both layout changes of `ChannelBlocks`, with enough positions (1,140) to be split between two
    /// threads, inside an image.
    @Test func channelBlocksAreTheSameStreamed() {
        let dims = [3, 32, 19, 20]
        let count = dims.reduce(1, *)
        let x = randn(dims, seed: 81).scalars
        expectTheSameBothWays {
            let blocks = Buffer(count: count), back = Buffer(count: count)
            x.withUnsafeBufferPointer { ChannelBlocks.toBlocks($0.baseAddress!, blocks.pointer, dims: dims) }
            ChannelBlocks.fromBlocks(blocks.pointer, back.pointer, dims: dims)
            return [Array(UnsafeBufferPointer(start: blocks.pointer, count: count)), Array(UnsafeBufferPointer(start: back.pointer, count: count))]
        }
    }
}
