import CDNNL

/// Batch normalisation over channels-last `[N, C, H, W]` on oneDNN.
///
/// Training mode computes batch mean and biased variance; eval mode uses the given statistics.
/// Scale (gamma) and shift (beta) are separate `[C]` arrays, as PyTorch stores them.
package enum BatchNormalization {
    private static func flags(_ global: Bool) -> UInt32 {
        dnnl_use_scale.rawValue | dnnl_use_shift.rawValue | (global ? dnnl_use_global_stats.rawValue : 0)
    }

    private static func forwardPrimitive(_ l: Layout, eps: Float, global: Bool) -> Primitive {
        PrimitiveCache.shared.get("bn_fwd", l.dims, eps, global) {
            var d = dnnl_batch_normalization_desc_t()
            var md = l.md
            check(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_training,
                  &md, eps, flags(global)), "batch_norm fwd desc \(l.dims)")
            return Primitive(desc: &d, name: "bn_fwd")
        }
    }

    /// Normalises `src` into `dst`. With `useGlobalStats` false, writes the batch statistics into
    /// `mean` / `variance` (biased); otherwise reads them.
    package static func forward(_ l: Layout, eps: Float, useGlobalStats: Bool, src: UnsafePointer<Float>,
                                scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                dst: UnsafeMutablePointer<Float>) {
        let p = forwardPrimitive(l, eps: eps, global: useGlobalStats)
        let c = Layout.rowMajor([l.dims[1]]).md
        p.execute([
            (DNNL_ARG_SRC, l.md, UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_DST, l.md, UnsafeMutableRawPointer(dst)),
            (DNNL_ARG_SCALE, c, UnsafeMutableRawPointer(mutating: scale)),
            (DNNL_ARG_SHIFT, c, UnsafeMutableRawPointer(mutating: shift)),
            (DNNL_ARG_MEAN, c, UnsafeMutableRawPointer(mean)),
            (DNNL_ARG_VARIANCE, c, UnsafeMutableRawPointer(variance)),
        ])
    }

    /// Gradients of the input, scale and shift. With `useGlobalStats` the statistics are constants.
    package static func backward(_ l: Layout, eps: Float, useGlobalStats: Bool, src: UnsafePointer<Float>,
                                 diffDst: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                 mean: UnsafePointer<Float>, variance: UnsafePointer<Float>,
                                 diffSrc: UnsafeMutablePointer<Float>, diffScale: UnsafeMutablePointer<Float>,
                                 diffShift: UnsafeMutablePointer<Float>) {
        let fwd = forwardPrimitive(l, eps: eps, global: useGlobalStats)
        let p = PrimitiveCache.shared.get("bn_bwd", l.dims, eps, useGlobalStats) {
            var d = dnnl_batch_normalization_desc_t()
            var md = l.md
            check(dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, &md, &md, eps, flags(useGlobalStats)),
                  "batch_norm bwd desc \(l.dims)")
            return Primitive(desc: &d, hint: fwd, name: "bn_bwd")
        }
        let c = Layout.rowMajor([l.dims[1]]).md
        p.execute([
            (DNNL_ARG_SRC, l.md, UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_DIFF_DST, l.md, UnsafeMutableRawPointer(mutating: diffDst)),
            (DNNL_ARG_SCALE, c, UnsafeMutableRawPointer(mutating: scale)),
            // oneDNN 2.6's channels-last implementation wants the shift even though the gradient does not use it.
            (DNNL_ARG_SHIFT, c, UnsafeMutableRawPointer(mutating: shift)),
            (DNNL_ARG_MEAN, c, UnsafeMutableRawPointer(mutating: mean)),
            (DNNL_ARG_VARIANCE, c, UnsafeMutableRawPointer(mutating: variance)),
            (DNNL_ARG_DIFF_SRC, l.md, UnsafeMutableRawPointer(diffSrc)),
            (DNNL_ARG_DIFF_SCALE, c, UnsafeMutableRawPointer(diffScale)),
            (DNNL_ARG_DIFF_SHIFT, c, UnsafeMutableRawPointer(diffShift)),
        ])
    }
}
