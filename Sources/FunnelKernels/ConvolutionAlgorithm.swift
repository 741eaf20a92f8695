/// How dense convolutions are computed.
///
/// Winograd F(4x4, 3x3) (oneDNN's `jit_wino_4x3`) computes a 3x3 convolution from 6x6 input tiles
/// with 36 multiplies per 4x4 output tile and channel pair instead of 144. oneDNN runs it only on its
/// blocked layout, so Funnel reorders the channels-last activations in and out around each pass.
/// Measured on a 2-core AVX-512 Xeon (2 threads, batch 128, a forward and both backward passes with
/// those reorders, against the direct kernels): 0.57x the time at 64 channels on 32x32 maps, 0.47x at
/// 128 on 16x16, 0.45x at 256 on 8x8, 0.40x at 512 on 4x4, 0.61x at 64 on 8x8; at 32 channels the
/// reorders ate the gain and at 16 it took 1.6x, hence the shape rule (`ConvGeometry.suitsWinograd`).
/// Its results differ from the direct ones by rounding only (the transforms are exact in real
/// arithmetic); at 64-128 channels they lay within 2e-6 of the largest value of a sum in double
/// precision, which the tests hold them to.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Every tap multiplied directly: oneDNN's direct kernels, what PyTorch's CPU backend runs.
    case direct
    /// Winograd for the convolutions it suits where this CPU has its kernels (AVX-512), direct elsewhere.
    case auto
}

/// The algorithm every convolution made from now on uses (`--convolution`); primitives are cached
/// per algorithm, so switching is safe at any time.
nonisolated(unsafe) var convolutionAlgorithm = ConvolutionAlgorithm.auto

/// Sets how dense convolutions are computed from now on.
package func setConvolutionAlgorithm(_ algorithm: ConvolutionAlgorithm) { convolutionAlgorithm = algorithm }

/// The algorithm convolutions use now.
package var currentConvolutionAlgorithm: ConvolutionAlgorithm { convolutionAlgorithm }
