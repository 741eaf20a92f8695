import CKernels
import Foundation

/// The machine's practical fp32 peak: every compute thread runs register-only chains of 16-lane
/// fused multiply-adds (`funnel_fma_chains`, the AVX-512 build where the CPU has it), and the
/// floating-point operations of all threads are divided by the wall time. Nothing touches memory,
/// so this is what the FMA units deliver at the clock they hold under full load: a ceiling that
/// no convolution can pass, measured rather than computed from a nominal clock (virtual machines
/// often hide it) and an assumed number of FMA units.
public enum FMAPeak {
    /// Floating-point operations of one `funnel_fma_chains` call per iteration (12 chains × 16 lanes × 2).
    public static let operationsPerIteration = 12 * 16 * 2

    /// Best GFLOPS of `repeats` runs on all compute threads, each thread running `iterations`.
    public static func measure(iterations: Int = 20_000_000, repeats: Int = 3) -> Double {
        let threads = computeThreadCount
        var best = 0.0
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            parallelChunks(threads, minimumPerThread: 1) { range in
                // An opaque C call: nothing here can be optimised away.
                for _ in range { _ = funnel_fma_chains(iterations, 1, 0.999_999, 1e-3) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            best = max(best, Double(threads * iterations * operationsPerIteration) / seconds * 1e-9)
        }
        return best
    }

    /// The chains' result, computed by the kernel (for its test against the closed form).
    public static func chainSum(iterations: Int, start: Float, multiplier: Float, addend: Float) -> Float {
        funnel_fma_chains(iterations, start, multiplier, addend)
    }
}
