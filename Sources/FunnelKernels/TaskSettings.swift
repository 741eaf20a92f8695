/// Settings that one task's work can take for itself, over the process-wide ones
/// (`setComputeThreads`, `setConvolutionAlgorithm`): a test that compares thread counts or
/// algorithms runs its work inside `TaskSettings.$computeThreads.withValue(1) { … }` and leaves
/// the setting alone for the tests running beside it, whose bitwise comparisons depend on it.
package enum TaskSettings {
    /// The threads Funnel's kernels split this task's work into, when set.
    @TaskLocal package static var computeThreads: Int?
    /// The algorithm for the convolutions this task makes, when set.
    @TaskLocal package static var convolutionAlgorithm: ConvolutionAlgorithm?
    /// Whether Funnel's direct 3x3 and 1x1 kernels take the shapes they were measured faster on,
    /// when set; by default only on CPUs with AVX-512 (`Convolution.ownDirectKernels`). Their tests
    /// set it, so that the kernels are checked on every CPU.
    @TaskLocal package static var ownDirectKernels: Bool?
    /// Whether FReLU's second backward pass (`FReLU3x3Kernel.backward`) takes its loops sized for 32
    /// vector registers (AVX-512) rather than 16 (AVX2), when set; by default the CPU's
    /// (`Convolution.cpuHasWideRegisters`). Either runs on any x86 CPU; its tests check both.
    @TaskLocal package static var wideRegisterBlocks: Bool?
}
