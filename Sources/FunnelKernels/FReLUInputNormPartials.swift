/// The sums of FReLU's first backward pass with an input norm from which the norm's own backward
/// sums follow, before the gradient `dx` at the norm's output exists.
///
/// `dx = gx + DWConvᵀ(gt)` with `gx = g - gT`, and `gt = a (gT - centerG - tHat centerGTHat)` is
/// linear in `gT`, `1` and `tHat`, whose centring terms are known only after the first pass. The
/// transposed convolution moves onto the other factor (`Σ_p DWConvᵀ(gt)(p) v(p) = Σ_q gt(q)
/// DWConv(v)(q)`, zero padding), so with `zc = z - mean1`, `u = DWConv(zc)` and `M = DWConv(1)`
/// (the weight of the taps inside the image), both without bias:
///
///     Σ dx    = Σ gx    + a (Σ gT M - centerG Σ M - centerGTHat Σ tHat M)
///     Σ dx zc = Σ gx zc + a (Σ gT u - centerG Σ u - centerGTHat Σ tHat u)
///
/// The pass takes every sum but `Σ M`, which is the weights times the counts of positions each tap
/// keeps inside the image (`funnel_frelu3x3_backward_norm_sums_rows`). So the second pass can
/// write the norm's input gradient at once, instead of `dx` and a pass of the norm's own over it.
package struct FReLUInputNormPartials {
    /// Slots of `C` sums each, slot-major, as the C kernel adds them: `Σ gT`, `Σ gT tHat`, `Σ gx`,
    /// `Σ gx zc`, `Σ gT u`, `Σ u`, `Σ tHat u`, `Σ gT M`, `Σ tHat M`.
    static let slots = 9
    let shape: DepthwiseShape
    let sums: [Double]

    /// `Σ dx` and `Σ dx (z - mean1)` per channel: the input norm's backward sums, given the
    /// depthwise weights `[C, 1, 3, 3]`, the folded scale `a` of FReLU's batch norm and the
    /// centring terms of `gt` (`FReLU3x3Kernel.BackwardCoefficients`).
    package func normSums(weight: UnsafePointer<Float>, scale: UnsafePointer<Float>, centerG: UnsafePointer<Float>,
                          centerGTHat: UnsafePointer<Float>) -> (sumDx: [Double], sumDxCentered: [Double]) {
        let c = shape.channels
        var sumDx = [Double](repeating: 0, count: c), sumDxCentered = sumDx
        for ch in 0..<c {
            func slot(_ i: Int) -> Double { sums[i * c + ch] }
            // Σ M: tap (i, j) stays inside the image at (H - |i - 1|) x (W - |j - 1|) positions of each sample.
            var sumM = 0.0
            for tap in 0..<9 {
                let (di, dj) = (abs(tap / 3 - 1), abs(tap % 3 - 1))
                sumM += Double(weight[ch * 9 + tap]) * Double(shape.batch * (shape.height - di) * (shape.width - dj))
            }
            let a = Double(scale[ch]), centerG = Double(centerG[ch]), centerGTHat = Double(centerGTHat[ch])
            sumDx[ch] = slot(2) + a * (slot(7) - centerG * sumM - centerGTHat * slot(8))
            sumDxCentered[ch] = slot(3) + a * (slot(4) - centerG * slot(5) - centerGTHat * slot(6))
        }
        return (sumDx, sumDxCentered)
    }
}
