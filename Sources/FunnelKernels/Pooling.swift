import CDNNL

/// Max or average pooling geometry over channels-last `[N, C, H, W]`.
package struct PoolGeometry: Hashable, Sendable, CustomStringConvertible {
    package enum Kind: Hashable, Sendable { case max, averageIncludingPadding, averageExcludingPadding }
    package var kind: Kind
    package var batch, channels, height, width, kh, kw, strideH, strideW, padH, padW: Int

    package init(kind: Kind, batch: Int, channels: Int, height: Int, width: Int, kh: Int, kw: Int,
                 strideH: Int, strideW: Int, padH: Int, padW: Int) {
        self.kind = kind; self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.kh = kh; self.kw = kw; self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
    }

    package var outHeight: Int { (height + 2 * padH - kh) / strideH + 1 }
    package var outWidth: Int { (width + 2 * padW - kw) / strideW + 1 }
    package var description: String { "\(kind) n\(batch) c\(channels) \(height)x\(width) k\(kh)x\(kw) s\(strideH)x\(strideW) p\(padH)x\(padW)" }

    var src: Layout { .channelsLast([batch, channels, height, width]) }
    var dst: Layout { .channelsLast([batch, channels, outHeight, outWidth]) }
    var alg: dnnl_alg_kind_t {
        switch kind {
        case .max: dnnl_pooling_max
        case .averageIncludingPadding: dnnl_pooling_avg_include_padding
        case .averageExcludingPadding: dnnl_pooling_avg_exclude_padding
        }
    }
    var padR: [Int64] {
        [Int64((outHeight - 1) * strideH + kh - height - padH), Int64((outWidth - 1) * strideW + kw - width - padW)]
    }
}

/// Pooling on oneDNN. Max pooling keeps oneDNN's workspace (argmax) for the backward pass.
package enum Pooling {
    private static func forwardPrimitive(_ g: PoolGeometry) -> Primitive {
        PrimitiveCache.shared.get("pool_fwd", g) {
            var d = dnnl_pooling_v2_desc_t()
            var s = g.src.md, o = g.dst.md
            check(dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_training, g.alg, &s, &o,
                  [Int64(g.strideH), Int64(g.strideW)], [Int64(g.kh), Int64(g.kw)], [0, 0],
                  [Int64(g.padH), Int64(g.padW)], g.padR), "pooling fwd \(g)")
            return Primitive(desc: &d, name: "pool_fwd")
        }
    }

    /// Bytes of the workspace max pooling needs (0 for average pooling).
    package static func workspaceBytes(_ g: PoolGeometry) -> Int {
        forwardPrimitive(g).bytes(dnnl_query_workspace_md)
    }

    package static func forward(_ g: PoolGeometry, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>,
                                workspace: UnsafeMutableRawPointer?) {
        let p = forwardPrimitive(g)
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, g.src.md, UnsafeMutableRawPointer(mutating: src)), (DNNL_ARG_DST, g.dst.md, UnsafeMutableRawPointer(dst))]
        if let workspace { args.append((DNNL_ARG_WORKSPACE, p.md(dnnl_query_workspace_md), workspace)) }
        p.execute(args)
    }

    package static func backward(_ g: PoolGeometry, diffDst: UnsafePointer<Float>, diffSrc: UnsafeMutablePointer<Float>,
                                 workspace: UnsafeMutableRawPointer?) {
        let fwd = forwardPrimitive(g)
        let p = PrimitiveCache.shared.get("pool_bwd", g) {
            var d = dnnl_pooling_v2_desc_t()
            var s = g.src.md, o = g.dst.md
            check(dnnl_pooling_v2_backward_desc_init(&d, g.alg, &s, &o, [Int64(g.strideH), Int64(g.strideW)],
                  [Int64(g.kh), Int64(g.kw)], [0, 0], [Int64(g.padH), Int64(g.padW)], g.padR), "pooling bwd \(g)")
            return Primitive(desc: &d, hint: fwd, name: "pool_bwd")
        }
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_DIFF_DST, g.dst.md, UnsafeMutableRawPointer(mutating: diffDst)),
            (DNNL_ARG_DIFF_SRC, g.src.md, UnsafeMutableRawPointer(diffSrc))]
        if let workspace { args.append((DNNL_ARG_WORKSPACE, fwd.md(dnnl_query_workspace_md), workspace)) }
        p.execute(args)
    }
}
