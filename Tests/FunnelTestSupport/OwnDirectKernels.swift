import FunnelKernels
import Testing

/// Runs each test with Funnel's direct 3x3 and 1x1 convolution kernels on for the shapes they take,
/// whatever the CPU (`TaskSettings.ownDirectKernels`): by default they run only with AVX-512, and
/// their tests must check them on AVX2 machines too.
public struct OwnDirectKernels: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await TaskSettings.$ownDirectKernels.withValue(true) { try await function() }
    }
}

extension Trait where Self == OwnDirectKernels {
    /// Funnel's direct convolution kernels on, whatever the CPU (`OwnDirectKernels`).
    public static var ownDirectKernels: Self { OwnDirectKernels() }
}
