import CDNNL

/// Bilinear resizing geometry over channels-last `[N, C, H, W]`: input `height x width` to
/// output `outHeight x outWidth`, every channel and image alike.
package struct ResampleGeometry: Hashable, Sendable, CustomStringConvertible {
    package var batch, channels, height, width, outHeight, outWidth: Int

    package init(batch: Int, channels: Int, height: Int, width: Int, outHeight: Int, outWidth: Int) {
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.outHeight = outHeight; self.outWidth = outWidth
    }

    package var description: String { "n\(batch) c\(channels) \(height)x\(width)->\(outHeight)x\(outWidth)" }

    var src: Layout { .channelsLast([batch, channels, height, width]) }
    var dst: Layout { .channelsLast([batch, channels, outHeight, outWidth]) }
}

/// Bilinear resampling on oneDNN's resampling primitive (`dnnl_resampling_linear`), forward and
/// backward, cached per geometry like every other primitive.
///
/// oneDNN maps output pixel `o` to source coordinate `(o + 0.5) * in / out - 0.5` (half-pixel
/// centres) and clamps the two taps to the image: PyTorch's
/// `F.interpolate(mode="bilinear", align_corners=False)` with the scale taken from the sizes, and
/// no antialiasing when shrinking. No scale factors are passed, so oneDNN derives them from the
/// sizes.
package enum Resampling {
    private static func forwardPrimitive(_ g: ResampleGeometry) -> Primitive {
        PrimitiveCache.shared.get("resample_fwd", g) {
            var d = dnnl_resampling_desc_t()
            var s = g.src.md, o = g.dst.md
            check(dnnl_resampling_forward_desc_init(&d, dnnl_forward_training, dnnl_resampling_linear, nil, &s, &o),
                  "resampling fwd \(g)")
            return Primitive(desc: &d, name: "resample_fwd")
        }
    }

    /// `dst = resize(src)`.
    package static func forward(_ g: ResampleGeometry, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>) {
        forwardPrimitive(g).execute([(DNNL_ARG_SRC, g.src.md, UnsafeMutableRawPointer(mutating: src)),
                                     (DNNL_ARG_DST, g.dst.md, UnsafeMutableRawPointer(dst))])
    }

    /// `diffSrc = resizeᵀ(diffDst)`: each output gradient spread back over its four taps with the
    /// forward weights (overwrites `diffSrc`).
    package static func backward(_ g: ResampleGeometry, diffDst: UnsafePointer<Float>, diffSrc: UnsafeMutablePointer<Float>) {
        let fwd = forwardPrimitive(g)
        let p = PrimitiveCache.shared.get("resample_bwd", g) {
            var d = dnnl_resampling_desc_t()
            var s = g.src.md, o = g.dst.md
            check(dnnl_resampling_backward_desc_init(&d, dnnl_resampling_linear, nil, &s, &o), "resampling bwd \(g)")
            return Primitive(desc: &d, hint: fwd, name: "resample_bwd")
        }
        p.execute([(DNNL_ARG_DIFF_DST, g.dst.md, UnsafeMutableRawPointer(mutating: diffDst)),
                   (DNNL_ARG_DIFF_SRC, g.src.md, UnsafeMutableRawPointer(diffSrc))])
    }
}
