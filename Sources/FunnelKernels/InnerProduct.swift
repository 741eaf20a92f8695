import CDNNL
import CKernels

/// Fully connected layer `y = x W^T + b` (`x: [N, I]`, `W: [O, I]`, row-major as PyTorch): on
/// oneDNN, or when small (`Shape.isSmall`) on one thread in Funnel's own kernel.
package enum InnerProduct {
    package struct Shape: Hashable, Sendable, CustomStringConvertible {
        package var batch, inFeatures, outFeatures: Int
        package var hasBias: Bool
        package init(batch: Int, inFeatures: Int, outFeatures: Int, hasBias: Bool) {
            self.batch = batch; self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.hasBias = hasBias
        }
        package var description: String { "n\(batch) \(inFeatures)->\(outFeatures)\(hasBias ? " bias" : "")" }
        /// At most 2^19 multiply-adds (DY-ReLU's hyper-function at batch 128, ResNet-20's classifier):
        /// oneDNN's fixed cost a call in a training step (20-75 µs) outweighs the arithmetic.
        package var isSmall: Bool { batch * inFeatures * outFeatures <= 1 << 19 }
        var src: Layout { .rowMajor([batch, inFeatures]) }
        var weight: Layout { .rowMajor([outFeatures, inFeatures]) }
        var bias: dnnl_memory_desc_t { hasBias ? Layout.rowMajor([outFeatures]).md : dnnl_memory_desc_t() }
        var dst: Layout { .rowMajor([batch, outFeatures]) }
    }

    private static func forwardPrimitive(_ s: Shape) -> Primitive {
        PrimitiveCache.shared.get("ip_fwd", s) {
            var d = dnnl_inner_product_desc_t()
            var x = s.src.md, w = s.weight.md, b = s.bias, y = s.dst.md
            check(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_training, &x, &w, &b, &y), "inner_product fwd \(s)")
            return Primitive(desc: &d, name: "ip_fwd")
        }
    }

    package static func forward(_ s: Shape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                y: UnsafeMutablePointer<Float>) {
        if s.isSmall {
            return checkScratch(funnel_linear_forward(x, weight, bias, y, s.batch, s.inFeatures, s.outFeatures), "forward", s)
        }
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, s.src.md, UnsafeMutableRawPointer(mutating: x)),
            (DNNL_ARG_WEIGHTS, s.weight.md, UnsafeMutableRawPointer(mutating: weight)),
            (DNNL_ARG_DST, s.dst.md, UnsafeMutableRawPointer(y))]
        if let bias { args.append((DNNL_ARG_BIAS, s.bias, UnsafeMutableRawPointer(mutating: bias))) }
        forwardPrimitive(s).execute(args)
    }

    package static func backwardData(_ s: Shape, diffY: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     diffX: UnsafeMutablePointer<Float>) {
        if s.isSmall {
            return checkScratch(funnel_linear_backward_data(diffY, weight, diffX, s.batch, s.inFeatures, s.outFeatures), "backward data", s)
        }
        let fwd = forwardPrimitive(s)
        let p = PrimitiveCache.shared.get("ip_bwd_data", s) {
            var d = dnnl_inner_product_desc_t()
            var x = s.src.md, w = s.weight.md, y = s.dst.md
            check(dnnl_inner_product_backward_data_desc_init(&d, &x, &w, &y), "inner_product bwd data \(s)")
            return Primitive(desc: &d, hint: fwd, name: "ip_bwd_data")
        }
        p.execute([(DNNL_ARG_DIFF_DST, s.dst.md, UnsafeMutableRawPointer(mutating: diffY)),
                   (DNNL_ARG_WEIGHTS, s.weight.md, UnsafeMutableRawPointer(mutating: weight)),
                   (DNNL_ARG_DIFF_SRC, s.src.md, UnsafeMutableRawPointer(diffX))])
    }

    package static func backwardWeights(_ s: Shape, x: UnsafePointer<Float>, diffY: UnsafePointer<Float>,
                                        diffWeight: UnsafeMutablePointer<Float>, diffBias: UnsafeMutablePointer<Float>?) {
        if s.isSmall {
            return checkScratch(funnel_linear_backward_weights(diffY, x, diffWeight, diffBias, s.batch, s.inFeatures, s.outFeatures),
                                "backward weights", s)
        }
        let fwd = forwardPrimitive(s)
        let p = PrimitiveCache.shared.get("ip_bwd_w", s) {
            var d = dnnl_inner_product_desc_t()
            var x = s.src.md, w = s.weight.md, b = s.bias, y = s.dst.md
            check(dnnl_inner_product_backward_weights_desc_init(&d, &x, &w, &b, &y), "inner_product bwd weights \(s)")
            return Primitive(desc: &d, hint: fwd, name: "ip_bwd_w")
        }
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, s.src.md, UnsafeMutableRawPointer(mutating: x)),
            (DNNL_ARG_DIFF_DST, s.dst.md, UnsafeMutableRawPointer(mutating: diffY)),
            (DNNL_ARG_DIFF_WEIGHTS, s.weight.md, UnsafeMutableRawPointer(diffWeight))]
        if let diffBias { args.append((DNNL_ARG_DIFF_BIAS, s.bias, UnsafeMutableRawPointer(diffBias))) }
        p.execute(args)
    }

    private static func checkScratch(_ status: Int32, _ pass: String, _ s: Shape) {
        let (n, i, o) = (s.batch, s.inFeatures, s.outFeatures)
        require(status == 0, "[linear] \(pass) \(s): out of memory for its scratch copies (\(4 * (i * o + (max(i, o) + 15) * (n + i + o + 1))) bytes at most)")
    }
}
