import CDNNL

/// Batched matrix product `c = a @ b` on oneDNN's matmul (`a: [..., M, K]`, `b: [..., K, N]`, any strides).
package enum MatMul {
    package static func run(a: Layout, _ pa: UnsafePointer<Float>, b: Layout, _ pb: UnsafePointer<Float>,
                            c: Layout, _ pc: UnsafeMutablePointer<Float>) {
        let p = PrimitiveCache.shared.get("matmul", a, b, c) {
            var d = dnnl_matmul_desc_t()
            var ma = a.md, mb = b.md, mc = c.md
            check(dnnl_matmul_desc_init(&d, &ma, &mb, nil, &mc), "matmul \(a.dims) x \(b.dims)")
            return Primitive(desc: &d, name: "matmul")
        }
        p.execute([(DNNL_ARG_SRC, a.md, UnsafeMutableRawPointer(mutating: pa)),
                   (DNNL_ARG_WEIGHTS, b.md, UnsafeMutableRawPointer(mutating: pb)),
                   (DNNL_ARG_DST, c.md, UnsafeMutableRawPointer(pc))])
    }
}
