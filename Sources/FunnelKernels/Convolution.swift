import CDNNL
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

/// Convolution forward and backward on oneDNN, primitives cached per geometry.
package enum Convolution {
    static func forwardPrimitive(_ g: ConvGeometry) -> Primitive {
        PrimitiveCache.shared.get("conv_fwd", g) { makeForward(g, weights: weightMD(g)) }
    }

    private static func makeForward(_ g: ConvGeometry, weights: dnnl_memory_desc_t, prop: dnnl_prop_kind_t = dnnl_forward_training,
                                    attr: dnnl_primitive_attr_t? = nil, name: String = "conv_fwd") -> Primitive {
        var d = dnnl_convolution_desc_t()
        var src = g.srcLayout.md, dst = g.dstLayout.md, w = weights
        var b = g.hasBias ? Layout.rowMajor([g.outChannels]).md : dnnl_memory_desc_t()  // zero desc: no bias
        check(dnnl_dilated_convolution_forward_desc_init(&d, prop, dnnl_convolution_direct,
              &src, &w, &b, &dst, g.strides, g.dilates, g.padL, g.padR), "conv fwd desc \(g)")
        return Primitive(desc: &d, attr: attr, name: name)
    }

    /// The weight layout the primitives of `g` use: Funnel's own layout when oneDNN runs the same
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

    static func backwardDataPrimitive(_ g: ConvGeometry) -> Primitive {
        let fwd = forwardPrimitive(g)
        return PrimitiveCache.shared.get("conv_bwd_data", g) {
            var d = dnnl_convolution_desc_t()
            var src = g.srcLayout.md, dst = g.dstLayout.md, w = weightMD(g)
            check(dnnl_dilated_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &src, &w, &dst,
                  g.strides, g.dilates, g.padL, g.padR), "conv bwd data desc \(g)")
            return Primitive(desc: &d, hint: fwd, name: "conv_bwd_data")
        }
    }

    static func backwardWeightsPrimitive(_ g: ConvGeometry) -> Primitive {
        let fwd = forwardPrimitive(g)
        return PrimitiveCache.shared.get("conv_bwd_w", g) {
            var d = dnnl_convolution_desc_t()
            var src = g.srcLayout.md, dst = g.dstLayout.md, w = weightMD(g)
            var b = g.hasBias ? Layout.rowMajor([g.outChannels]).md : dnnl_memory_desc_t()
            check(dnnl_dilated_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &src, &w,
                  &b, &dst, g.strides, g.dilates, g.padL, g.padR), "conv bwd weights desc \(g)")
            return Primitive(desc: &d, hint: fwd, name: "conv_bwd_w")
        }
    }

    /// Reorders user weights to the layout `want` if needed; returns the pointer to use and a keep-alive.
    static func weights(_ g: ConvGeometry, _ user: UnsafePointer<Float>, _ want: dnnl_memory_desc_t, tag: String) -> (UnsafeMutableRawPointer, Buffer?) {
        let userMD = g.weightLayout.md
        if sameMD(userMD, want) { return (UnsafeMutableRawPointer(mutating: user), nil) }
        let buf = Buffer(count: mdBytes(want) / 4)
        reorder(userMD, user, want, buf.pointer, key: "w", tag, g)
        return (UnsafeMutableRawPointer(buf.pointer), buf)
    }

    /// `dst = conv(src, weight) + bias`.
    package static func forward(_ g: ConvGeometry, src: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, dst: UnsafeMutablePointer<Float>) {
        let p = forwardPrimitive(g)
        let (w, keep) = weights(g, weight, p.md(dnnl_query_weights_md), tag: "fwd")
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, p.md(dnnl_query_src_md), UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_WEIGHTS, p.md(dnnl_query_weights_md), w),
            (DNNL_ARG_DST, p.md(dnnl_query_dst_md), UnsafeMutableRawPointer(dst)),
        ]
        if let bias { args.append((DNNL_ARG_BIAS, p.md(dnnl_query_weights_md, 1), UnsafeMutableRawPointer(mutating: bias))) }
        p.execute(args)
        withExtendedLifetime(keep) {}
    }

    /// `diffSrc = conv_transpose(diffDst, weight)`.
    package static func backwardData(_ g: ConvGeometry, diffDst: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     diffSrc: UnsafeMutablePointer<Float>) {
        let p = backwardDataPrimitive(g)
        let (w, keep) = weights(g, weight, p.md(dnnl_query_weights_md), tag: "bwd")
        p.execute([
            (DNNL_ARG_DIFF_DST, p.md(dnnl_query_diff_dst_md), UnsafeMutableRawPointer(mutating: diffDst)),
            (DNNL_ARG_WEIGHTS, p.md(dnnl_query_weights_md), w),
            (DNNL_ARG_DIFF_SRC, p.md(dnnl_query_diff_src_md), UnsafeMutableRawPointer(diffSrc)),
        ])
        withExtendedLifetime(keep) {}
    }

    /// Weight (and bias) gradients: `diffWeight = src ⋆ diffDst`, `diffBias = Σ diffDst`. Overwrites.
    package static func backwardWeights(_ g: ConvGeometry, src: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
                                        diffWeight: UnsafeMutablePointer<Float>, diffBias: UnsafeMutablePointer<Float>?) {
        let p = backwardWeightsPrimitive(g)
        let want = p.md(dnnl_query_diff_weights_md)
        let userMD = g.weightLayout.md
        let direct = sameMD(userMD, want)
        let tmp = direct ? nil : Buffer(count: mdBytes(want) / 4)
        let out = direct ? UnsafeMutableRawPointer(diffWeight) : UnsafeMutableRawPointer(tmp!.pointer)
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, p.md(dnnl_query_src_md), UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_DIFF_DST, p.md(dnnl_query_diff_dst_md), UnsafeMutableRawPointer(mutating: diffDst)),
            (DNNL_ARG_DIFF_WEIGHTS, want, out),
        ]
        if let diffBias {
            args.append((DNNL_ARG_DIFF_BIAS, p.md(dnnl_query_diff_weights_md, 1), UnsafeMutableRawPointer(diffBias)))
        }
        p.execute(args)
        if let tmp { reorder(want, tmp.pointer, userMD, diffWeight, key: "dw", g) }
    }
}

extension Convolution {
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
        let (w, keep) = weights(g, weight, p.md(dnnl_query_weights_md), tag: "fwdmax")
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, p.md(dnnl_query_src_md), UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_WEIGHTS, p.md(dnnl_query_weights_md), w),
            (DNNL_ARG_DST, p.md(dnnl_query_dst_md), UnsafeMutableRawPointer(dst)),
            (DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1, g.dstLayout.md, UnsafeMutableRawPointer(mutating: other)),
        ]
        if let bias { args.append((DNNL_ARG_BIAS, p.md(dnnl_query_weights_md, 1), UnsafeMutableRawPointer(mutating: bias))) }
        p.execute(args)
        withExtendedLifetime(keep) {}
    }
}

extension Convolution {
    /// Which convolution primitive to time.
    package enum Pass: String, Sendable, CaseIterable { case forward, backwardData = "backward_data", backwardWeights = "backward_weights" }

    /// Seconds per run of the bare oneDNN primitive for `g` (best of `repeats`), weights already in
    /// the primitive's layout and memory objects made once: the floor any framework pays.
    package static func timePrimitive(_ g: ConvGeometry, pass: Pass, repeats: Int) -> Double {
        let p: Primitive
        switch pass {
        case .forward: p = forwardPrimitive(g)
        case .backwardData: p = backwardDataPrimitive(g)
        case .backwardWeights: p = backwardWeightsPrimitive(g)
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
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            p.execute(args)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        withExtendedLifetime(buffers) {}
        return best
    }

    /// The implementation oneDNN chose for the forward primitive (e.g. `jit:avx512_core`).
    package static func implementation(_ g: ConvGeometry) -> String {
        forwardPrimitive(g).implementation
    }
}
