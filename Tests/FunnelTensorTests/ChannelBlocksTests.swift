import Testing
import FunnelKernels
import FunnelTestSupport

/// `ChannelBlocks` against oneDNN's definition of `nChw16c` written out by hand: channel c of
/// position (n, h, w) at `((n * C/16 + c / 16) * H * W + h * W + w) * 16 + c % 16`. Winograd
/// convolutions read and write through it (`WinogradConvolutionTests` checks them end to end;
/// `StreamingStoreTests` that streaming the copies changes nothing).
@Suite struct ChannelBlocksTests {
    /// The last shape has enough positions (1,140 at 32 channels) to be split between two threads,
    /// inside an image.
    @Test(arguments: [[3, 48, 5, 7], [1, 16, 1, 1], [2, 64, 8, 8], [3, 32, 19, 20]])
    func blocksAreWhereTheLayoutPutsThem(dims: [Int]) {
        let (n, c, h, w) = (dims[0], dims[1], dims[2], dims[3])
        let count = n * c * h * w
        let channelsLast = Buffer(count: count)
        for i in 0..<count { channelsLast.pointer[i] = Float(i) * 0.5 - 3 }
        var expected = [Float](repeating: .nan, count: count)
        for b in 0..<n { for p in 0..<(h * w) { for ch in 0..<c {
            expected[((b * (c / 16) + ch / 16) * h * w + p) * 16 + ch % 16] = channelsLast.pointer[(b * h * w + p) * c + ch]
        } } }
        let blocks = Buffer(count: count), back = Buffer(count: count)
        ChannelBlocks.toBlocks(channelsLast.pointer, blocks.pointer, dims: dims)
        expectEqual(blocks, expected, "in 16-channel blocks")
        ChannelBlocks.fromBlocks(blocks.pointer, back.pointer, dims: dims)
        expectEqual(back, (0..<count).map { channelsLast.pointer[$0] }, "back in channels-last")
    }

    /// Every value bitwise equal; on failure, how many differ and the first. (Not `expectClose` with
    /// no tolerance: a NaN left in an unwritten slot would pass its comparison.)
    private func expectEqual(_ actual: Buffer, _ expected: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let differing = (0..<expected.count).filter { actual.pointer[$0].bitPattern != expected[$0].bitPattern }
        let first = differing.first.map { "first at \($0): \(actual.pointer[$0]) for \(expected[$0])" } ?? ""
        #expect(differing.count == 0, "\(what): \(differing.count) of \(expected.count) values differ, \(first)", sourceLocation: sourceLocation)
    }
}
