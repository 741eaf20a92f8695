import Testing
@testable import FunnelTensor
import FunnelTestSupport

/// Shape errors stop the program with a message naming the op and both shapes; exit tests run each
/// case in a child process and read what it printed.
@Suite struct ShapeErrorTests {
    @Test func broadcastMismatchNamesOpAndShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[add] shapes [2, 3] and [4] are not broadcastable"))
        }
    }

    @Test func convChannelMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 6, 4, 4]).conv2d(Tensor.zeros([3, 2, 3, 3]), groups: 4)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[conv2d] input has 6 channels, not divisible by 4 groups"))
        }
    }

    @Test func matmulMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("[matmul] shapes [2, 3] and [4, 5]"))
        }
    }
}
