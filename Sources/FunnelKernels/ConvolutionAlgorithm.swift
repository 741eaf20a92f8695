/// How dense convolutions are computed.
///
/// Winograd F(4x4, 3x3) (oneDNN's `jit_wino_4x3`) computes a 3x3 convolution from 6x6 input tiles
/// with 36 multiplies per 4x4 output tile and channel pair instead of 144. oneDNN runs it only on its
/// blocked layout, so Funnel reorders the channels-last activations in and out around each pass.
/// On a 2-core AVX-512 Xeon that made ResNet-18 and -34 training steps 1.6x and 1.9x faster than the
/// direct kernels (README, "Winograd convolutions"); at 32 channels the reorders ate the gain
/// (`funnel bench ops`) and at 16 Winograd was slower even without them, hence the shape rule
/// (`ConvGeometry.suitsWinograd`). Its results differ from the direct ones by rounding only (the
/// transforms are exact in real arithmetic): at 64-128 channels within 2e-6 of the largest value of
/// a sum in double precision (the tests allow 2e-5).
///
/// Funnel's own direct kernel (`conv3x3.c`) takes the narrow and strided 3x3 convolutions, and 64-channel
/// ones on small maps, where it was measured faster than oneDNN's (`ConvGeometry.runsOnOwnKernel`, which
/// Winograd then leaves to it), the weight gradient of 64-channel ones up to 32x32 beside Winograd's
/// other passes (`ConvGeometry.weightGradientRunsOnOwnKernel`); its 1x1 kernel (`conv1x1.c`) takes the
/// stride-2 shortcuts up to 64 input channels (`ConvGeometry.runsOnOwnPointwiseKernel`) and the weight
/// gradient of stride-1 ones on wide maps (`ConvGeometry.pointwiseWeightGradientRunsOnOwnKernel`).
/// Stride-1 convolutions with up to 64 input channels in whole 16s on maps in whole 4x4 tiles
/// (ResNet-20's three stages, the 32x32 stage of the CIFAR ResNet-18, -34 and -50) run as Winograd
/// F(4x4, 3x3) on Funnel's channels-last kernel (`winograd4x3.c`, `ConvGeometry.runsOnOwnWinograd`),
/// no layout change needed, and on CPUs without AVX-512 128 channels on maps up to 16x16 too; all
/// with `auto` only. The direct 3x3 and 1x1 kernels' register blocks are sized for AVX-512's 32
/// registers, and on CPUs with 16 (AVX2) their shapes stay on oneDNN (`Convolution.ownDirectKernels`).
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Every tap multiplied directly: oneDNN's direct kernels, what PyTorch's CPU backend runs.
    case direct
    /// Winograd for the convolutions it suits (oneDNN's where this CPU has its kernels, AVX-512, or
    /// Funnel's own), Funnel's direct kernels where they are faster on this CPU, oneDNN's direct
    /// kernels elsewhere.
    case auto
    /// As `auto`, but oneDNN's direct kernels where `auto` runs Funnel's own: the comparison its
    /// measurements are made against.
    case onednn
}

/// The algorithm every convolution made from now on uses (`--convolution`); primitives are cached
/// per algorithm, so switching is safe at any time.
nonisolated(unsafe) var convolutionAlgorithm = ConvolutionAlgorithm.auto

/// Sets how dense convolutions are computed from now on.
package func setConvolutionAlgorithm(_ algorithm: ConvolutionAlgorithm) { convolutionAlgorithm = algorithm }

/// The algorithm convolutions use now: this task's (`TaskSettings`), else the one set.
package var currentConvolutionAlgorithm: ConvolutionAlgorithm { TaskSettings.convolutionAlgorithm ?? convolutionAlgorithm }
