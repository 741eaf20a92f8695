import Foundation
import FunnelKernels

/// Counts multiply-adds of convolutions and fully connected layers while a forward pass runs,
/// the convention of the FReLU paper's FLOP figures (BN, pooling and pointwise ops not counted).
public final class OpCounter: @unchecked Sendable {
    @TaskLocal public static var current: OpCounter?
    private let lock = NSLock()
    private var total = 0, inner = 0
    private var seen: [ConvGeometry] = []

    public init() {}

    public var multiplyAdds: Int { lock.withLock { total } }

    /// Multiply-adds on inputs inside the image, convolutions' padding taps left out
    /// (`ConvGeometry.innerMACs`); fully connected layers count as in `multiplyAdds`.
    public var innerMultiplyAdds: Int { lock.withLock { inner } }

    /// Distinct convolution geometries met, in order of first use (for `funnel bench ops`).
    public var convolutions: [ConvGeometry] { lock.withLock { seen } }

    func add(_ n: Int) { lock.withLock { total += n; inner += n } }

    func add(_ g: ConvGeometry) {
        lock.withLock {
            total += g.macs
            inner += g.innerMACs
            if !seen.contains(g) { seen.append(g) }
        }
    }

    /// Runs `body` and returns its multiply-adds.
    public static func count(_ body: () -> Void) -> Int { record(body).multiplyAdds }

    /// Runs `body` and returns the counter with everything it saw.
    public static func record(_ body: () -> Void) -> OpCounter {
        let counter = OpCounter()
        $current.withValue(counter) { body() }
        return counter
    }
}
