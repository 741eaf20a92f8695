import CDNNL
import CKernels
import Dispatch

/// The geometry of a 2-D convolution on channels-last activations.
///
/// Weights are stored as Funnel stores every 4-D tensor: logical `[O, I/groups, kh, kw]`, physical
/// `(o, kh, kw, i)`. oneDNN picks its own (blocked) weight layout; weights are reordered to it per call.
public struct ConvGeometry: Hashable, Sendable, CustomStringConvertible {
    public var batch, inChannels, height, width, outChannels: Int
    public var kernel: (h: Int, w: Int) { (kh, kw) }
    public var kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups: Int
    public var hasBias: Bool

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kh: Int, kw: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1, hasBias: Bool = false) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kh = kh; self.kw = kw; self.strideH = strideH; self.strideW = strideW
        self.padH = padH; self.padW = padW; self.dilationH = dilationH; self.dilationW = dilationW
        self.groups = groups; self.hasBias = hasBias
    }

    public var outHeight: Int { (height + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1 }

    /// Multiply-adds of one forward pass, every kernel tap counted (the papers' convention), those
    /// on the zero padding included.
    public var macs: Int { batch * outChannels * outHeight * outWidth * (inChannels / groups) * kh * kw }

    /// Multiply-adds whose input lies inside the image: the work a convolution must do. On small
    /// maps padding is a large share of `macs` (a 3x3 window on 4x4 maps: 100 of 144 taps inside).
    public var innerMACs: Int {
        batch * outChannels * (inChannels / groups)
            * Self.insideTaps(size: height, out: outHeight, kernel: kh, stride: strideH, pad: padH, dilation: dilationH)
            * Self.insideTaps(size: width, out: outWidth, kernel: kw, stride: strideW, pad: padW, dilation: dilationW)
    }

    /// (output position, tap) pairs along one axis whose input index lies in `0..<size`.
    static func insideTaps(size: Int, out: Int, kernel: Int, stride: Int, pad: Int, dilation: Int) -> Int {
        var count = 0
        for o in 0..<out {
            for k in 0..<kernel where (0..<size).contains(o * stride - pad + k * dilation) { count += 1 }
        }
        return count
    }

    public var description: String {
        "n\(batch) \(inChannels)x\(height)x\(width) -> \(outChannels)x\(outHeight)x\(outWidth) k\(kh)x\(kw) s\(strideH)x\(strideW) p\(padH)x\(padW) d\(dilationH)x\(dilationW) g\(groups)\(hasBias ? " bias" : "")"
    }

    var srcLayout: Layout { .channelsLast([batch, inChannels, height, width]) }
    var dstLayout: Layout { .channelsLast([batch, outChannels, outHeight, outWidth]) }

    /// The activations' descriptors: Funnel's channels-last, or oneDNN's 16-channel blocks
    /// (`nChw16c`), the only layout its Winograd kernels take.
    func srcMD(blocked: Bool) -> dnnl_memory_desc_t { blocked ? ChannelBlocks.md(srcLayout.dims) : srcLayout.md }
    func dstMD(blocked: Bool) -> dnnl_memory_desc_t { blocked ? ChannelBlocks.md(dstLayout.dims) : dstLayout.md }

    /// A stride-1, undilated, ungrouped 3x3 convolution with at least 64 input and output channels in
    /// whole 16-channel blocks: the shapes where Winograd F(4x4, 3x3) beats the direct kernels here
    /// with its layout changes included (`ConvolutionAlgorithm`).
    package var suitsWinograd: Bool {
        kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 && groups == 1
            && inChannels >= 64 && outChannels >= 64 && inChannels % 16 == 0 && outChannels % 16 == 0
    }

    /// The forward convolution whose output is this one's input gradient, when there is one: for
    /// stride 1, without dilation or groups, backward-data is the forward convolution of the output
    /// gradient with the weights transposed (inputs and outputs swapped) and turned by 180 degrees
    /// (`Convolution.transposedFlipped`), padded by `k - 1 - pad`. oneDNN 2.6 runs channels-last
    /// backward-data on its older direct kernels and the forward on its brgemm ones. Measured
    /// (docs/performance-log.md): 3x3 windows 10-30% faster up to 128 channels (ResNet-20's 16-64,
    /// ResNet-18's 64 and 128 with `--convolution direct`) but slower from 256 (13% at 256x8x8, 60%
    /// at 512x4x4), where the older kernels do well; 1x1 convolutions (ResNet-50's) 0-20% faster at
    /// every width from 64 to 2048 channels.
    package var backwardDataAsForward: ConvGeometry? {
        guard strideH == 1, strideW == 1, dilationH == 1, dilationW == 1, groups == 1, padH < kh, padW < kw,
              isPointwise || (inChannels <= 128 && outChannels <= 128) else { return nil }
        return ConvGeometry(batch: batch, inChannels: outChannels, height: outHeight, width: outWidth, outChannels: inChannels,
                            kh: kh, kw: kw, padH: kh - 1 - padH, padW: kw - 1 - padW)
    }

    /// A 1x1 window.
    var isPointwise: Bool { kh == 1 && kw == 1 }

    /// A convolution whose forward pass (and backward-data, when it runs as one) Funnel's own kernels
    /// run: the direct kernel (`conv3x3.c`) in a shape where it was measured faster than oneDNN 2.6's
    /// direct kernels with a cold input (AMD instance, docs/performance-log.md): every stride-2
    /// convolution up to 64 input and 128 output channels (1.1-1.7x), 16 and 32 output channels at
    /// stride 1 (0.96-1.4x; 0.87-0.93x warm), and 64 at stride 1 on maps of 64 positions or fewer
    /// (ResNet-20's 8x8 stage: 1.15-1.5x oneDNN's Winograd kernels with their layout changes, which
    /// take it when the setting turns this kernel off); and Funnel's Winograd kernel where it runs
    /// (`runsOnOwnWinograd`). Past 64 input channels, on maps narrower than the direct kernel's
    /// 8-pixel blocks, or with 64 outputs at stride 1 on larger maps that Funnel's Winograd does not
    /// take (ResNet-18's stem; maps past 32x32 or not in whole tiles), oneDNN is faster.
    package var runsOnOwnKernel: Bool {
        fitsOwnKernel && inChannels <= 64 && outChannels <= (strideH == 2 ? 128 : height * width <= 64 ? 64 : 32) || runsOnOwnWinograd
    }

    /// What `conv3x3.c` implements: a 3x3 window, padding 1, stride 1 or 2, no bias, groups or
    /// dilation, output channels in whole 16s.
    private var fitsOwnKernel: Bool {
        kh == 3 && kw == 3 && padH == 1 && padW == 1 && strideH == strideW && (strideH == 1 || strideH == 2)
            && dilationH == 1 && dilationW == 1 && groups == 1 && !hasBias && outChannels % 16 == 0
    }

    /// A convolution whose weight gradient Funnel's own kernel computes: one that `runsOnOwnKernel`
    /// with input channels in whole 16s, and 64 -> 64 at stride 1 on maps up to 32x32 that are not in
    /// whole 4x4 tiles (else `runsOnOwnWinograd`), whose other two passes stay on oneDNN's Winograd.
    /// Measured (before Funnel's Winograd took the 32x32 stage) against oneDNN's with a cold input
    /// (AMD instance, `funnel bench ops --cold`): 32 channels at stride 1 1.02-1.5x, the stride-2
    /// ones 1.2-1.6x; 16 input channels 1.1-1.8x since the kernel reads its input in place (before,
    /// with a zero-bordered copy of each sample, 0.8-0.98x); 64 channels on
    /// 32x32 maps 1.1-1.3x Winograd's with its layout change of the input, where a sample's input and
    /// output gradient (256 KB each) stay in a core's L2 cache across the kernel's passes over them.
    /// On ImageNet's 56x56 maps (800 KB each) it was a wash, and Winograd keeps them; at 128 channels
    /// Winograd's was 1.6x faster.
    package var weightGradientRunsOnOwnKernel: Bool {
        inChannels % 16 == 0
            && (runsOnOwnKernel || fitsOwnKernel && strideH == 1 && inChannels <= 64 && outChannels <= 64 && height * width <= 32 * 32)
    }

    /// A convolution that Funnel's own kernel runs as Winograd F(4x4, 3x3) (`winograd4x3.c`): stride
    /// 1, input channels in whole 16s, maps in whole 4x4 tiles, up to 64 input channels, and up to 64
    /// output channels on maps up to 32x32 (else 32): ResNet-20's three stages and the 32x32 stage of
    /// the CIFAR ResNet-18, -34 and -50. On ResNet-20's shapes the direct kernel runs at about the
    /// FMA peak, so only fewer multiply-adds make them faster: 1.3-2.0x its forward and 1.2-2.2x its
    /// two gradients with a cold input (standalone harness, AMD instance, docs/performance-log.md,
    /// 2026-12-05). On ResNet-18's 64 channels on 32x32 maps it ran 1.2x oneDNN's Winograd forward
    /// and 1.4-1.8x the two gradients (oneDNN's Winograd input gradient and the direct kernel's
    /// weight gradient) with their layout changes; at 128 channels on 16x16 the gradients were no
    /// faster than oneDNN's, whose layer stays there (`funnel bench ops --models resnet18 --cold`,
    /// 2026-12-05 evening). The input gradient, a forward of the turned convolution
    /// (`backwardDataAsForward`), runs as Winograd when that convolution qualifies too.
    ///
    /// On CPUs without AVX-512, where oneDNN has no Winograd kernels, it also takes 128 channels on
    /// maps up to 16x16 (ResNet-18's second stage): there it ran 3.2x oneDNN's direct forward and
    /// 2.7x its two gradients (`funnel bench ops --models resnet18`, AMD EPYC Zen 3, 2026-12-07).
    /// Wider, its weight gradient gained nothing at 256 channels on 8x8 and lost 4x at 512 on 4x4,
    /// whose transformed sums (36 I O floats) no longer fit the caches.
    package var runsOnOwnWinograd: Bool {
        fitsOwnKernel && strideH == 1 && inChannels % 16 == 0 && height % 4 == 0 && width % 4 == 0
            && (inChannels <= 64 && outChannels <= (height * width <= 32 * 32 ? 64 : 32)
                || !Convolution.cpuHasWideRegisters && inChannels <= 128 && outChannels <= 128 && height * width <= 16 * 16)
    }

    /// A 1x1 convolution at stride 2 (a ResNet's projection shortcut) whose three passes Funnel's own
    /// kernel runs (`conv1x1.c`): no padding, bias, groups or dilation, channels in whole 16s, up to
    /// 64 input channels, the shapes measured (AMD instance, `funnel bench ops --cold`): ResNet-20's
    /// 16 -> 32 and 32 -> 64 and ResNet-18's 64 -> 128, where oneDNN 2.6 ran at 30-170 GFLOPS.
    package var runsOnOwnPointwiseKernel: Bool { fitsOwnPointwiseKernel && strideH == 2 && strideW == 2 && inChannels <= 64 }

    /// What `conv1x1.c` implements: a 1x1 window without padding, bias, groups or dilation, channels
    /// in whole 16s (the stride is each rule's own).
    private var fitsOwnPointwiseKernel: Bool {
        isPointwise && padH == 0 && padW == 0 && dilationH == 1 && dilationW == 1 && groups == 1 && !hasBias
            && inChannels % 16 == 0 && outChannels % 16 == 0
    }

    /// A 1x1 convolution at stride 1 whose weight gradient Funnel's own kernel computes
    /// (`conv1x1.c`, a product tiled over pixels): channels in whole 16s, up to 256 in and 512 out,
    /// on maps of 28x28 or more (the first stages of ResNet-50, CIFAR's and ImageNet's). There it
    /// measured 1.6-2.4x oneDNN 2.6's with a cold input (AMD instance, `funnel bench ops --cold`),
    /// except 128 -> 512 on 28x28 (1.2x) and 256 -> 64 on 32x32 (1.05x); on smaller maps with wider
    /// channels oneDNN's was as fast or faster (0.65-0.9x from 1024 channels).
    package var pointwiseWeightGradientRunsOnOwnKernel: Bool {
        fitsOwnPointwiseKernel && strideH == 1 && strideW == 1 && inChannels <= 256 && outChannels <= 512 && height * width >= 28 * 28
    }

    /// The user weight layout: `[O, I/g, kh, kw]` stored `(o, kh, kw, i)`, grouped as oneDNN wants.
    var weightLayout: Layout {
        let ig = inChannels / groups
        if groups == 1 {
            return Layout(dims: [outChannels, ig, kh, kw], strides: [kh * kw * ig, 1, kw * ig, ig])
        }
        let og = outChannels / groups
        return Layout(dims: [groups, og, ig, kh, kw], strides: [og * kh * kw * ig, kh * kw * ig, 1, kw * ig, ig])
    }

    var weightDims: [Int] { weightLayout.dims }
    var strides: [Int64] { [Int64(strideH), Int64(strideW)] }
    // oneDNN counts dilation from 0 (no dilation).
    var dilates: [Int64] { [Int64(dilationH - 1), Int64(dilationW - 1)] }
    var padL: [Int64] { [Int64(padH), Int64(padW)] }
    var padR: [Int64] {
        // Right padding that makes oneDNN's output size agree with floor division.
        let rh = (outHeight - 1) * strideH + dilationH * (kh - 1) + 1 - height - padH
        let rw = (outWidth - 1) * strideW + dilationW * (kw - 1) + 1 - width - padW
        return [Int64(rh), Int64(rw)]
    }
}

extension Layout {
    /// NCHW dims stored NHWC.
    public static func channelsLast(_ d: [Int]) -> Layout {
        require(d.count == 4)
        return Layout(dims: d, strides: [d[1] * d[2] * d[3], 1, d[3] * d[1], d[1]])
    }
}

/// Convolution forward and backward on oneDNN, primitives cached per geometry and algorithm
/// (`usesWinograd`): direct on Funnel's channels-last activations, Winograd on oneDNN's blocked
/// layout with the activations staged in and out.
package enum Convolution {
    static func forwardPrimitive(_ g: ConvGeometry, winograd: Bool) -> Primitive {
        PrimitiveCache.shared.get("conv_fwd", g, winograd) { makeForward(g, weights: weightMD(g, winograd: winograd), winograd: winograd) }
    }

    /// The direct forward primitive of `g` with a `sum` post-op: `dst += conv(src, weight)` in the
    /// convolution's own pass over `dst`.
    static func accumulatingForwardPrimitive(_ g: ConvGeometry) -> Primitive {
        PrimitiveCache.shared.get("conv_fwd_sum", g) {
            withPostOps({ check(dnnl_post_ops_append_sum($0, 1), "post_ops_append_sum") }) {
                makeForward(g, weights: weightMD(g), attr: $0, name: "conv_fwd_sum")
            }
        }
    }

    /// The weight descriptor each pass's primitive is made with: Winograd picks its own layout.
    private static func weightMD(_ g: ConvGeometry, winograd: Bool) -> dnnl_memory_desc_t {
        winograd ? anyMD(g.weightDims) : weightMD(g)
    }

    private static func makeForward(_ g: ConvGeometry, weights: dnnl_memory_desc_t, prop: dnnl_prop_kind_t = dnnl_forward_training,
                                    attr: dnnl_primitive_attr_t? = nil, name: String = "conv_fwd", winograd: Bool = false) -> Primitive {
        var d = dnnl_convolution_desc_t()
        check(forwardDescriptor(&d, g, weights: weights, prop: prop, winograd: winograd), "conv fwd desc \(g)")
        return Primitive(desc: &d, attr: attr, name: name)
    }

    private static func forwardDescriptor(_ d: inout dnnl_convolution_desc_t, _ g: ConvGeometry, weights: dnnl_memory_desc_t,
                                          prop: dnnl_prop_kind_t = dnnl_forward_training, winograd: Bool) -> dnnl_status_t {
        var src = g.srcMD(blocked: winograd), dst = g.dstMD(blocked: winograd), w = weights
        var b = g.hasBias ? Layout.rowMajor([g.outChannels]).md : dnnl_memory_desc_t()  // zero desc: no bias
        return dnnl_dilated_convolution_forward_desc_init(&d, prop, algorithm(winograd), &src, &w, &b, &dst,
                                                          g.strides, g.dilates, g.padL, g.padR)
    }

    private static func algorithm(_ winograd: Bool) -> dnnl_alg_kind_t { winograd ? dnnl_convolution_winograd : dnnl_convolution_direct }

    /// The weight layout the direct primitives of `g` use: Funnel's own layout when oneDNN runs the same
    /// kernel on it as on its preferred blocked layout (then no reorder is needed per call, which
    /// matters for small depthwise and 1x1 convs), the blocked layout otherwise.
    static func weightMD(_ g: ConvGeometry) -> dnnl_memory_desc_t {
        let key = "\(g)"
        if let cached = weightFormats.withLock({ $0[key] }) { return cached ? g.weightLayout.md : anyMD(g.weightDims) }
        let preferred = makeForward(g, weights: anyMD(g.weightDims))
        let plain = makeForward(g, weights: g.weightLayout.md)
        let usePlain = plain.implementation == preferred.implementation
        weightFormats.withLock { $0[key] = usePlain }
        return usePlain ? g.weightLayout.md : anyMD(g.weightDims)
    }

    private static let weightFormats = LockedDictionary<String, Bool>()

    static func backwardDataPrimitive(_ g: ConvGeometry, winograd: Bool) -> Primitive {
        let fwd = forwardPrimitive(g, winograd: winograd)
        return PrimitiveCache.shared.get("conv_bwd_data", g, winograd) {
            var d = dnnl_convolution_desc_t()
            check(backwardDataDescriptor(&d, g, weights: weightMD(g, winograd: winograd), winograd: winograd), "conv bwd data desc \(g)")
            return Primitive(desc: &d, hint: fwd, name: "conv_bwd_data")
        }
    }

    private static func backwardDataDescriptor(_ d: inout dnnl_convolution_desc_t, _ g: ConvGeometry, weights: dnnl_memory_desc_t,
                                               winograd: Bool) -> dnnl_status_t {
        var src = g.srcMD(blocked: winograd), dst = g.dstMD(blocked: winograd), w = weights
        return dnnl_dilated_convolution_backward_data_desc_init(&d, algorithm(winograd), &src, &w, &dst,
                                                                g.strides, g.dilates, g.padL, g.padR)
    }

    static func backwardWeightsPrimitive(_ g: ConvGeometry, winograd: Bool) -> Primitive {
        let fwd = forwardPrimitive(g, winograd: winograd)
        return PrimitiveCache.shared.get("conv_bwd_w", g, winograd) {
            var d = dnnl_convolution_desc_t()
            check(backwardWeightsDescriptor(&d, g, weights: weightMD(g, winograd: winograd), winograd: winograd), "conv bwd weights desc \(g)")
            return Primitive(desc: &d, hint: fwd, name: "conv_bwd_w")
        }
    }

    private static func backwardWeightsDescriptor(_ d: inout dnnl_convolution_desc_t, _ g: ConvGeometry, weights: dnnl_memory_desc_t,
                                                  winograd: Bool) -> dnnl_status_t {
        var src = g.srcMD(blocked: winograd), dst = g.dstMD(blocked: winograd), w = weights
        var b = g.hasBias ? Layout.rowMajor([g.outChannels]).md : dnnl_memory_desc_t()
        return dnnl_dilated_convolution_backward_weights_desc_init(&d, algorithm(winograd), &src, &w, &b, &dst,
                                                                   g.strides, g.dilates, g.padL, g.padR)
    }

    /// Whether `g` runs as Winograd: the setting allows it (`ConvolutionAlgorithm`), the shape suits
    /// it (`ConvGeometry.suitsWinograd`) and oneDNN has Winograd kernels for all three passes on this
    /// CPU (it has them only with AVX-512; elsewhere every convolution stays direct), unless Funnel's own
    /// kernel takes it (`usesOwnKernel`).
    package static func usesWinograd(_ g: ConvGeometry) -> Bool {
        guard currentConvolutionAlgorithm != .direct, g.suitsWinograd, !usesOwnKernel(g) else { return false }
        if let known = winogradAvailable.withLock({ $0[g] }) { return known }
        let descriptors: [(inout dnnl_convolution_desc_t) -> dnnl_status_t] = [
            { forwardDescriptor(&$0, g, weights: anyMD(g.weightDims), winograd: true) },
            { backwardDataDescriptor(&$0, g, weights: anyMD(g.weightDims), winograd: true) },
            { backwardWeightsDescriptor(&$0, g, weights: anyMD(g.weightDims), winograd: true) },
        ]
        let available = descriptors.allSatisfy { describe in
            var d = dnnl_convolution_desc_t()
            guard describe(&d) == dnnl_success else { return false }
            var pd: dnnl_primitive_desc_t?
            // Backward descriptors need the forward one as a hint; created without, oneDNN still says
            // whether it has a kernel.
            guard dnnl_primitive_desc_create(&pd, &d, nil, DNNLContext.shared.engine, nil) == dnnl_success else { return false }
            dnnl_primitive_desc_destroy(pd)
            return true
        }
        winogradAvailable.withLock { $0[g] = available }
        return available
    }

    private static let winogradAvailable = LockedDictionary<ConvGeometry, Bool>()

    /// Whether Funnel's direct 3x3 and 1x1 kernels (`conv3x3.c`, `conv1x1.c`) take the shapes their
    /// rules name: on CPUs with AVX-512, whose 32 vector registers their register blocks are sized
    /// for. With AVX2's 16 they spill, and oneDNN's AVX2 kernels ran every ResNet-20 and ResNet-18
    /// shape of theirs 1.1-2.4x as fast but the stem's (0.9x), and ResNet-50's stride-1 1x1 weight
    /// gradients 1.3-2.1x (`funnel bench ops`, AMD EPYC Zen 3, docs/performance-log.md, 2026-12-07).
    /// Funnel's Winograd kernel sizes its blocks by the CPU and runs on both.
    /// `TaskSettings.ownDirectKernels` overrides this.
    package static var ownDirectKernels: Bool { TaskSettings.ownDirectKernels ?? cpuHasWideRegisters }

    /// Whether this CPU has AVX-512's 32 vector registers (`funnel_cpu_wide_registers`).
    package static let cpuHasWideRegisters = funnel_cpu_wide_registers() != 0

    /// Whether the forward pass of `g` (and a backward-data run as one) runs on Funnel's own kernel:
    /// the setting allows it (`auto`) and the shape is one it was measured faster on
    /// (`ConvGeometry.runsOnOwnKernel`), on this CPU (`ownDirectKernels`) unless it runs as Winograd.
    package static func usesOwnKernel(_ g: ConvGeometry) -> Bool {
        currentConvolutionAlgorithm == .auto && (g.runsOnOwnWinograd || ownDirectKernels && g.runsOnOwnKernel)
    }

    /// Whether all three passes of `g` run on Funnel's 1x1 kernel (`ConvGeometry.runsOnOwnPointwiseKernel`).
    package static func usesOwnPointwiseKernel(_ g: ConvGeometry) -> Bool {
        currentConvolutionAlgorithm == .auto && ownDirectKernels && g.runsOnOwnPointwiseKernel
    }

    /// Whether the weight gradient of `g` runs on Funnel's own kernels: Winograd's where it runs, else
    /// the direct 3x3 or 1x1 kernel's (`ConvGeometry.weightGradientRunsOnOwnKernel`,
    /// `pointwiseWeightGradientRunsOnOwnKernel`, and the shortcuts whose three passes are Funnel's,
    /// `runsOnOwnPointwiseKernel`) on this CPU (`ownDirectKernels`).
    package static func usesOwnWeightGradient(_ g: ConvGeometry) -> Bool {
        currentConvolutionAlgorithm == .auto
            && (g.runsOnOwnWinograd
                || ownDirectKernels && (g.weightGradientRunsOnOwnKernel || g.pointwiseWeightGradientRunsOnOwnKernel || g.runsOnOwnPointwiseKernel))
    }

    /// `dst = conv(src, weight) + bias`.
    package static func forward(_ g: ConvGeometry, src: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, dst: UnsafeMutablePointer<Float>) {
        forward(g, src: src, weight: weight, bias: bias, dst: dst, winograd: usesWinograd(g))
    }

    /// `weightLayout` says how `weight` is stored when not as `g.weightLayout`; it is part of the
    /// weight reorder's key. With `accumulate` (direct only), `dst += conv(src, weight)`.
    private static func forward(_ g: ConvGeometry, src: UnsafePointer<Float>, weight: UnsafePointer<Float>, weightLayout: Layout? = nil,
                                bias: UnsafePointer<Float>?, dst: UnsafeMutablePointer<Float>, winograd: Bool, accumulate: Bool = false) {
        if !winograd, weightLayout == nil, bias == nil, usesOwnKernel(g) {
            return ownForward(g, src: src, weight: weight, dst: dst, accumulate: accumulate)
        }
        if weightLayout == nil, bias == nil, !accumulate, usesOwnPointwiseKernel(g) {
            return ownPointwise(g, weight, transposed: false) { packed, samples in
                funnel_conv1x1_forward_samples(src, packed, dst, samples.lowerBound, samples.upperBound, g.height, g.width, g.inChannels,
                                               g.outChannels)
            }
        }
        let p = accumulate ? accumulatingForwardPrimitive(g) : forwardPrimitive(g, winograd: winograd)
        let x = Staged(input: g.srcLayout.md, src, wanted: p.md(dnnl_query_src_md), key: "src", g, winograd)
        let w = Staged(input: (weightLayout ?? g.weightLayout).md, weight, wanted: p.md(dnnl_query_weights_md), key: "w_fwd", g, winograd,
                       weightLayout, accumulate)
        let y = Staged(output: g.dstLayout.md, dst, wanted: p.md(dnnl_query_dst_md))
        // The sum post-op reads what dst holds: it must be dst itself, not a staged copy.
        precondition(!accumulate || y.pointer == UnsafeMutableRawPointer(dst), "[conv] accumulating into a staged output of \(g)")
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, x.wanted, x.pointer), (DNNL_ARG_WEIGHTS, w.wanted, w.pointer), (DNNL_ARG_DST, y.wanted, y.pointer),
        ]
        if let bias { args.append((DNNL_ARG_BIAS, p.md(dnnl_query_weights_md, 1), UnsafeMutableRawPointer(mutating: bias))) }
        p.execute(args)
        y.writeBack(key: "dst", g, winograd)
        withExtendedLifetime((x, w)) {}
    }

    /// `dst = conv(src, weight)` (or `dst +=` with `accumulate`) on Funnel's own kernel, samples split
    /// across the compute threads.
    private static func ownForward(_ g: ConvGeometry, src: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let winograd = g.runsOnOwnWinograd
        let packed = packedForOwnKernel(weight, g, winograd: winograd)
        parallelChunks(g.batch, minimumPerThread: 1) { samples in
            let (n0, n1) = (samples.lowerBound, samples.upperBound)
            checkScratch(winograd
                ? funnel_winograd4x3_forward_samples(src, packed.pointer, dst, n0, n1, g.height, g.width, g.inChannels, g.outChannels,
                                                     accumulate ? 1 : 0)
                : funnel_conv3x3_forward_samples(src, packed.pointer, dst, n0, n1, g.height, g.width, g.inChannels, g.outChannels,
                                                 g.strideH, accumulate ? 1 : 0), g)
        }
        withExtendedLifetime(packed) {}
    }

    /// 3x3 weights in Funnel's `(o, ky, kx, i)` layout as the kernel that runs them takes them:
    /// transformed for the Winograd kernel (`funnel_winograd4x3_pack`: `G g G^T`, 36 values per
    /// channel pair) or packed for the direct one (`funnel_conv3x3_pack`, 9 per pair). With `turned`,
    /// those of the input gradient's forward (`backwardDataAsForward`: the O -> I convolution with
    /// each filter flipped), which the Winograd transform reads straight from `weight`.
    private static func packedForOwnKernel(_ weight: UnsafePointer<Float>, _ g: ConvGeometry, winograd: Bool, turned: Bool = false) -> Buffer {
        let (inChannels, outChannels) = turned ? (g.outChannels, g.inChannels) : (g.inChannels, g.outChannels)
        let packed = Buffer(count: (winograd ? 36 : 9) * inChannels * outChannels)
        if winograd {
            // Split by 16-output blocks across the threads from 64 outputs on (a 64 x 64 transform
            // takes about 60 us on one thread); below that a parallel region costs what it saves.
            parallelChunks(outChannels / 16, minimumPerThread: 2) { blocks in
                let (from, to) = (blocks.lowerBound * 16, blocks.upperBound * 16)
                if turned {
                    funnel_winograd4x3_pack_turned(weight, packed.pointer, g.inChannels, g.outChannels, from, to)
                } else {
                    funnel_winograd4x3_pack(weight, packed.pointer, inChannels, outChannels, from, to)
                }
            }
        } else if turned {
            let turnedWeight = Buffer(count: g.weightDims.reduce(1, *))
            transposedFlipped(g, weight, into: turnedWeight.pointer)
            funnel_conv3x3_pack(turnedWeight.pointer, packed.pointer, inChannels, outChannels)
        } else {
            funnel_conv3x3_pack(weight, packed.pointer, inChannels, outChannels)
        }
        return packed
    }

    /// `body(packed weights, samples)` over the batch split across the compute threads, for the 1x1
    /// kernel's forward or (`transposed`) backward-data.
    private static func ownPointwise(_ g: ConvGeometry, _ weight: UnsafePointer<Float>, transposed: Bool,
                                     _ body: (UnsafePointer<Float>, Range<Int>) -> Void) {
        let packed = Buffer(count: g.inChannels * g.outChannels)
        funnel_conv1x1_pack(weight, packed.pointer, g.inChannels, g.outChannels, transposed ? 1 : 0)
        parallelChunks(g.batch, minimumPerThread: 1) { samples in body(packed.pointer, samples) }
        withExtendedLifetime(packed) {}
    }

    private static func checkScratch(_ status: Int32, _ g: ConvGeometry) {
        require(status == 0, "[conv] \(g): out of memory for its kernel's scratch (a zero-bordered image or a group of Winograd tiles)")
    }

    /// Pieces of the batch whose weight-gradient sums `ownWeightGradient` adds in order: fixed, so
    /// that the result does not depend on the number of threads.
    static let weightGradientPieces = 16

    /// `diffWeight = src ⋆ diffDst` on Funnel's own 3x3 or 1x1 kernel (`inPieces`).
    private static func ownWeightGradient(_ g: ConvGeometry, src: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
                                          diffWeight: UnsafeMutablePointer<Float>) {
        inPieces(g, diffWeight: diffWeight) { sums, range, pieces in
            if g.isPointwise && g.strideH == 1 {
                funnel_conv1x1_weight_sums_stride1_pieces(src, diffDst, sums, range.lowerBound, range.upperBound, pieces, g.batch,
                                                          g.height * g.width, g.inChannels, g.outChannels)
            } else if g.isPointwise {
                funnel_conv1x1_weight_sums_pieces(src, diffDst, sums, range.lowerBound, range.upperBound, pieces, g.batch,
                                                  g.height, g.width, g.inChannels, g.outChannels)
            } else if g.runsOnOwnWinograd {
                checkScratch(funnel_winograd4x3_weight_sums_pieces(src, diffDst, sums, range.lowerBound, range.upperBound, pieces, g.batch,
                                                                   g.height, g.width, g.inChannels, g.outChannels), g)
            } else {
                funnel_conv3x3_weight_sums_pieces(src, diffDst, sums, range.lowerBound, range.upperBound, pieces, g.batch,
                                                  g.height, g.width, g.inChannels, g.outChannels, g.strideH)
            }
        }
    }

    /// `diffWeight` from `body(sums, pieces of the batch, count of pieces)`, which writes each piece's
    /// sums into its block of `sums`: each piece summed on one thread, then the pieces added in order.
    private static func inPieces(_ g: ConvGeometry, diffWeight: UnsafeMutablePointer<Float>,
                                 _ body: (UnsafeMutablePointer<Float>, Range<Int>, Int) -> Void) {
        let pieces = min(g.batch, weightGradientPieces), count = g.kh * g.kw * g.inChannels * g.outChannels
        let sums = Buffer(count: pieces * count)
        parallelChunks(pieces, minimumPerThread: 1) { range in body(sums.pointer, range, pieces) }
        // Split across the threads too: on the calling thread alone the sums took 0.6-1.1 ms of a
        // ResNet-20 step while the other waited (perf, 2026-12-06).
        parallelChunks(count, minimumPerThread: 8192) { range in
            funnel_conv_weight_pieces_sum(sums.pointer, pieces, count, diffWeight, range.lowerBound, range.upperBound)
        }
    }

    /// Whether both gradients of `g` run on Funnel's 3x3 kernel in one pass (`ownBackward`): its
    /// weight gradient does (`usesOwnWeightGradient`) and so does its input gradient, run as the
    /// forward convolution `backwardDataAsForward` (stride 1).
    package static func usesOwnBackward(_ g: ConvGeometry) -> Bool {
        usesOwnWeightGradient(g) && g.backwardDataAsForward.map(usesOwnKernel) == true
    }

    /// Both gradients on Funnel's 3x3 kernel, sample by sample in the weight gradient's pieces
    /// (`funnel_conv3x3_backward_pieces`): each sample's `diffDst` comes from memory once for both,
    /// not once a pass. The same bits as the two passes run apart.
    private static func ownBackward(_ g: ConvGeometry, src: UnsafePointer<Float>, diffDst: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    diffSrc: UnsafeMutablePointer<Float>, accumulatingData: Bool, diffWeight: UnsafeMutablePointer<Float>) {
        // The input gradient is the forward of an O -> I convolution with the turned weights.
        let winograd = g.runsOnOwnWinograd && g.backwardDataAsForward?.runsOnOwnWinograd == true
        let packed = packedForOwnKernel(weight, g, winograd: winograd, turned: true)
        let accumulate: Int32 = accumulatingData ? 1 : 0
        inPieces(g, diffWeight: diffWeight) { sums, range, pieces in
            let (p0, p1) = (range.lowerBound, range.upperBound)
            checkScratch(winograd
                ? funnel_winograd4x3_backward_pieces(src, diffDst, packed.pointer, diffSrc, accumulate, sums, p0, p1, pieces, g.batch,
                                                     g.height, g.width, g.inChannels, g.outChannels)
                : funnel_conv3x3_backward_pieces(src, diffDst, packed.pointer, diffSrc, accumulate, sums, p0, p1, pieces, g.batch,
                                                 g.height, g.width, g.inChannels, g.outChannels), g)
        }
        withExtendedLifetime(packed) {}
    }

    /// `diffSrc = conv_transpose(diffDst, weight)`.
    package static func backwardData(_ g: ConvGeometry, diffDst: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     diffSrc: UnsafeMutablePointer<Float>) {
        backward(g, src: nil, diffDst: diffDst, weight: weight, diffSrc: diffSrc, diffWeight: nil, diffBias: nil)
    }

    /// Weight (and bias) gradients: `diffWeight = src ⋆ diffDst`, `diffBias = Σ diffDst`. Overwrites.
    package static func backwardWeights(_ g: ConvGeometry, src: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
                                        diffWeight: UnsafeMutablePointer<Float>, diffBias: UnsafeMutablePointer<Float>?) {
        backward(g, src: src, diffDst: diffDst, weight: nil, diffSrc: nil, diffWeight: diffWeight, diffBias: diffBias)
    }

    /// Whether `backward` can add the input gradient into `diffSrc` (`accumulatingData`): when it
    /// comes from a direct forward convolution (`backwardDataAsForward`), whose `sum` post-op adds
    /// it as it writes.
    package static func accumulatesData(_ g: ConvGeometry) -> Bool {
        !usesWinograd(g) && g.backwardDataAsForward != nil
    }

    /// The input gradient (when `diffSrc` is given, with `weight`) and the weight and bias gradients
    /// (when `diffWeight` is given, with `src`), each overwritten, or with `accumulatingData` the
    /// input gradient added to what `diffSrc` holds (`accumulatesData(g)` must hold). Together, so
    /// that a Winograd convolution stages `diffDst` into its layout once for both.
    package static func backward(_ g: ConvGeometry, src: UnsafePointer<Float>?, diffDst: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                 diffSrc: UnsafeMutablePointer<Float>?, accumulatingData: Bool = false, diffWeight: UnsafeMutablePointer<Float>?,
                                 diffBias: UnsafeMutablePointer<Float>?) {
        precondition(!accumulatingData || accumulatesData(g), "[conv] \(g) cannot add its input gradient into diffSrc")
        if let diffSrc, let weight, let diffWeight, let src, diffBias == nil, usesOwnBackward(g) {
            return ownBackward(g, src: src, diffDst: diffDst, weight: weight, diffSrc: diffSrc, accumulatingData: accumulatingData,
                               diffWeight: diffWeight)
        }
        let winograd = usesWinograd(g)
        // Both backward primitives take the activations in the layout they were made with.
        let dy = Staged(input: g.dstLayout.md, diffDst, wanted: g.dstMD(blocked: winograd), key: "dst", g, winograd)
        if let diffSrc, let weight, usesOwnPointwiseKernel(g) {
            ownPointwise(g, weight, transposed: true) { packed, samples in
                funnel_conv1x1_backward_data_samples(diffDst, packed, diffSrc, samples.lowerBound, samples.upperBound, g.height, g.width,
                                                     g.inChannels, g.outChannels)
            }
        } else if let diffSrc, let weight, !winograd, let transposed = g.backwardDataAsForward {
            if g.isPointwise {
                // Nothing to turn: the [O, I] weights read as [I, O], transposed by the reorder
                // into the primitive's layout.
                let i = g.inChannels, o = g.outChannels
                let asTransposed = Layout(dims: [i, o, 1, 1], strides: [1, i, i * o, i * o])
                forward(transposed, src: diffDst, weight: weight, weightLayout: asTransposed, bias: nil, dst: diffSrc, winograd: false,
                        accumulate: accumulatingData)
            } else {
                let turned = Buffer(count: g.weightDims.reduce(1, *))
                transposedFlipped(g, weight, into: turned.pointer)
                withExtendedLifetime(turned) {
                    forward(transposed, src: diffDst, weight: turned.pointer, bias: nil, dst: diffSrc, winograd: false, accumulate: accumulatingData)
                }
            }
        } else if let diffSrc, let weight {
            let p = backwardDataPrimitive(g, winograd: winograd)
            let w = Staged(input: g.weightLayout.md, weight, wanted: p.md(dnnl_query_weights_md), key: "w_bwd", g, winograd)
            let dx = Staged(output: g.srcLayout.md, diffSrc, wanted: p.md(dnnl_query_diff_src_md))
            p.execute([(DNNL_ARG_DIFF_DST, dy.wanted, dy.pointer), (DNNL_ARG_WEIGHTS, w.wanted, w.pointer),
                       (DNNL_ARG_DIFF_SRC, dx.wanted, dx.pointer)])
            dx.writeBack(key: "src", g, winograd)
            withExtendedLifetime(w) {}
        }
        if let diffWeight, let src, diffBias == nil, usesOwnWeightGradient(g) {
            ownWeightGradient(g, src: src, diffDst: diffDst, diffWeight: diffWeight)
        } else if let diffWeight, let src {
            let p = backwardWeightsPrimitive(g, winograd: winograd)
            let x = Staged(input: g.srcLayout.md, src, wanted: p.md(dnnl_query_src_md), key: "src", g, winograd)
            let dw = Staged(output: g.weightLayout.md, diffWeight, wanted: p.md(dnnl_query_diff_weights_md))
            var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                (DNNL_ARG_SRC, x.wanted, x.pointer), (DNNL_ARG_DIFF_DST, dy.wanted, dy.pointer), (DNNL_ARG_DIFF_WEIGHTS, dw.wanted, dw.pointer),
            ]
            if let diffBias {
                args.append((DNNL_ARG_DIFF_BIAS, p.md(dnnl_query_diff_weights_md, 1), UnsafeMutableRawPointer(diffBias)))
            }
            p.execute(args)
            dw.writeBack(key: "dw", g, winograd)
            withExtendedLifetime(x) {}
        }
        withExtendedLifetime(dy) {}
    }
}

extension Convolution {
    /// The weights of `g.backwardDataAsForward`: `w'[i, o, y, x] = w[o, i, kh - 1 - y, kw - 1 - x]`,
    /// both in Funnel's layout (`(o, kh, kw, i)` physical, so `(i, kh, kw, o)` for `w'`).
    package static func transposedFlipped(_ g: ConvGeometry, _ weight: UnsafePointer<Float>, into turned: UnsafeMutablePointer<Float>) {
        let (o, i, kh, kw) = (g.outChannels, g.inChannels, g.kh, g.kw)
        // Walks w in order and writes each tap's (o, i) block transposed.
        for oc in 0..<o {
            for y in 0..<kh {
                for x in 0..<kw {
                    let from = weight + ((oc * kh + y) * kw + x) * i
                    let to = turned + ((kh - 1 - y) * kw + (kw - 1 - x)) * o + oc
                    for ic in 0..<i { to[ic * kh * kw * o] = from[ic] }
                }
            }
        }
    }

    /// `dst = max(conv(src, weight) + bias, other)` in one oneDNN primitive (a binary-max post-op);
    /// `other` has `dst`'s shape. Used for inference FReLU with batch norm folded into the weights.
    package static func forwardMax(_ g: ConvGeometry, src: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>?, other: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>) {
        let p = PrimitiveCache.shared.get("conv_fwd_max", g) {
            var other = g.dstLayout.md
            return withPostOps({ check(dnnl_post_ops_append_binary($0, dnnl_binary_max, &other), "post_ops_append_binary") }) {
                makeForward(g, weights: anyMD(g.weightDims), prop: dnnl_forward_inference, attr: $0, name: "conv_fwd_max")
            }
        }
        let w = Staged(input: g.weightLayout.md, weight, wanted: p.md(dnnl_query_weights_md), key: "w_fwd_max", g)
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, p.md(dnnl_query_src_md), UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_WEIGHTS, w.wanted, w.pointer),
            (DNNL_ARG_DST, p.md(dnnl_query_dst_md), UnsafeMutableRawPointer(dst)),
            (DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1, g.dstLayout.md, UnsafeMutableRawPointer(mutating: other)),
        ]
        if let bias { args.append((DNNL_ARG_BIAS, p.md(dnnl_query_weights_md, 1), UnsafeMutableRawPointer(mutating: bias))) }
        p.execute(args)
        withExtendedLifetime(w) {}
    }
}

extension Convolution {
    /// Which convolution primitive to time.
    package enum Pass: String, Sendable, CaseIterable { case forward, backwardData = "backward_data", backwardWeights = "backward_weights" }

    /// Seconds per run of the bare oneDNN primitive for `g` as `time` measures a run (the best of
    /// several, say), every argument already in the primitive's layout and memory objects made
    /// once: the floor any framework pays.
    /// `winograd` picks the algorithm (default: the one Funnel runs `g` with, `usesWinograd`).
    package static func timePrimitive(_ g: ConvGeometry, pass: Pass, winograd: Bool? = nil, time: (_ run: () -> Void) -> Double) -> Double {
        let winograd = winograd ?? usesWinograd(g)
        let p: Primitive
        switch pass {
        case .forward: p = forwardPrimitive(g, winograd: winograd)
        case .backwardData: p = backwardDataPrimitive(g, winograd: winograd)
        case .backwardWeights: p = backwardWeightsPrimitive(g, winograd: winograd)
        }
        // Every argument the primitive takes, each in the layout it wants, filled with small values.
        let ids: [Int32] = [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST, DNNL_ARG_DIFF_SRC,
                            DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS, DNNL_ARG_DIFF_DST]
        var buffers: [Buffer] = []
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = []
        for id in ids {
            let md = dnnl_primitive_desc_query_md(p.pd, dnnl_query_exec_arg_md, id)!.pointee
            let bytes = mdBytes(md)
            guard md.ndims > 0, bytes > 0 else { continue }
            let b = Buffer(count: bytes / 4)
            b.pointer.update(repeating: 0.01, count: bytes / 4)
            buffers.append(b)
            args.append((id, md, UnsafeMutableRawPointer(b.pointer)))
        }
        return withExtendedLifetime(buffers) { time { p.execute(args) } }
    }

    /// The implementation that runs `pass` of `g`: Funnel's own kernels (`funnel:conv3x3` or
    /// `funnel:conv1x1` by window, see `usesOwnKernel`, `usesOwnPointwiseKernel` and
    /// `usesOwnWeightGradient`), or the one oneDNN chose for the forward primitive (e.g.
    /// `jit:avx512_core`).
    package static func implementation(_ g: ConvGeometry, pass: Pass = .forward) -> String {
        if usesOwnPointwiseKernel(g) { return "funnel:conv1x1" }
        let winograd = usesWinograd(g)
        let own = switch pass {
        case .forward: usesOwnKernel(g)
        case .backwardData: !winograd && g.backwardDataAsForward.map(usesOwnKernel) == true
        case .backwardWeights: usesOwnWeightGradient(g)
        }
        guard own else { return forwardPrimitive(g, winograd: winograd).implementation }
        if g.isPointwise { return "funnel:conv1x1" }
        let ownWinograd = switch pass {
        case .forward, .backwardWeights: g.runsOnOwnWinograd
        case .backwardData: g.backwardDataAsForward?.runsOnOwnWinograd == true
        }
        return ownWinograd ? "funnel:winograd4x3" : "funnel:conv3x3"
    }
}
