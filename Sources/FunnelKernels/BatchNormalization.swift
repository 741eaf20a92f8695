import CDNNL

/// Batch normalisation over channels-last `[N, C, H, W]` on oneDNN, optionally with a ReLU on its
/// output in the same pass (`fuseReLU`: oneDNN's `fuse_norm_relu`).
///
/// Training mode computes batch mean and biased variance; eval mode uses the given statistics.
/// Scale (gamma) and shift (beta) are separate `[C]` arrays, as PyTorch stores them. With the ReLU
/// fused, forward writes a bit mask of the positive outputs into a workspace, and backward reads
/// it: the normalised values before the ReLU are never stored, and the ReLU costs no pass of its own.
package enum BatchNormalization {
    private static func flags(_ global: Bool, _ fuseReLU: Bool) -> UInt32 {
        dnnl_use_scale.rawValue | dnnl_use_shift.rawValue | (global ? dnnl_use_global_stats.rawValue : 0)
            | (fuseReLU ? dnnl_fuse_norm_relu.rawValue : 0)
    }

    private static func forwardPrimitive(_ l: Layout, eps: Float, global: Bool, fuseReLU: Bool) -> Primitive {
        PrimitiveCache.shared.get("bn_fwd", l.dims, eps, global, fuseReLU) {
            var d = dnnl_batch_normalization_desc_t()
            var md = l.md
            check(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_training,
                  &md, eps, flags(global, fuseReLU)), "batch_norm fwd desc \(l.dims)")
            return Primitive(desc: &d, name: "bn_fwd")
        }
    }

    /// Bytes of the workspace the fused ReLU needs (its mask) for `l`.
    package static func reluWorkspaceBytes(_ l: Layout, eps: Float, useGlobalStats: Bool) -> Int {
        forwardPrimitive(l, eps: eps, global: useGlobalStats, fuseReLU: true).bytes(dnnl_query_workspace_md)
    }

    /// Normalises `src` into `dst`. With `useGlobalStats` false, writes the batch statistics into
    /// `mean` / `variance` (biased); otherwise reads them. With `reluWorkspace`, applies a ReLU and
    /// keeps its mask there (`reluWorkspaceBytes`).
    package static func forward(_ l: Layout, eps: Float, useGlobalStats: Bool, src: UnsafePointer<Float>,
                                scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                dst: UnsafeMutablePointer<Float>, reluWorkspace: UnsafeMutableRawPointer? = nil) {
        let p = forwardPrimitive(l, eps: eps, global: useGlobalStats, fuseReLU: reluWorkspace != nil)
        let c = Layout.rowMajor([l.dims[1]]).md
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, l.md, UnsafeMutableRawPointer(mutating: src)),
            (DNNL_ARG_DST, l.md, UnsafeMutableRawPointer(dst)),
            (DNNL_ARG_SCALE, c, UnsafeMutableRawPointer(mutating: scale)),
            (DNNL_ARG_SHIFT, c, UnsafeMutableRawPointer(mutating: shift)),
            (DNNL_ARG_MEAN, c, UnsafeMutableRawPointer(mean)),
            (DNNL_ARG_VARIANCE, c, UnsafeMutableRawPointer(variance)),
        ]
        if let reluWorkspace { args.append((DNNL_ARG_WORKSPACE, p.md(dnnl_query_workspace_md), reluWorkspace)) }
        p.execute(args)
    }

    /// Gradients of the input, scale and shift. With `useGlobalStats` the statistics are constants;
    /// with `reluWorkspace` (the forward's), `diffDst` is the gradient after the fused ReLU.
    package static func backward(_ l: Layout, eps: Float, useGlobalStats: Bool, src: UnsafePointer<Float>,
                                 diffDst: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                 mean: UnsafePointer<Float>, variance: UnsafePointer<Float>,
                                 diffSrc: UnsafeMutablePointer<Float>, diffScale: UnsafeMutablePointer<Float>,
                                 diffShift: UnsafeMutablePointer<Float>, reluWorkspace: UnsafeRawPointer? = nil) {
        let fuseReLU = reluWorkspace != nil
        let fwd = forwardPrimitive(l, eps: eps, global: useGlobalStats, fuseReLU: fuseReLU)
        let p = PrimitiveCache.shared.get("bn_bwd", l.dims, eps, useGlobalStats, fuseReLU) {
            var d = dnnl_batch_normalization_desc_t()
            var md = l.md
            check(dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, &md, &md, eps, flags(useGlobalStats, fuseReLU)),
                  "batch_norm bwd desc \(l.dims)")
            return Primitive(desc: &d, hint: fwd, name: "bn_bwd")
        }
        let c = Layout.rowMajor([l.dims[1]]).md
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
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
        ]
        if let reluWorkspace { args.append((DNNL_ARG_WORKSPACE, fwd.md(dnnl_query_workspace_md), UnsafeMutableRawPointer(mutating: reluWorkspace))) }
        p.execute(args)
    }
}
