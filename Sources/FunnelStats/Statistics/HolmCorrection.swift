/// How p-values of a family of comparisons are adjusted before they are compared with alpha.
public enum MultipleComparisonCorrection: String, Sendable, Hashable, CaseIterable {
    /// Each comparison on its own (per-comparison error rate).
    case none
    /// Holm's step-down method: controls the family-wise error rate like Bonferroni, with more power.
    case holm

    /// The adjusted p-values, in the order given.
    public func adjusted(_ pValues: [Double]) -> [Double] {
        switch self {
        case .none: pValues
        case .holm: holmAdjusted(pValues)
        }
    }
}

/// Holm–Bonferroni adjusted p-values (Holm 1979), returned in the input order.
///
/// With the m p-values sorted ascending, p_(i) (i = 1...m) becomes max_{j ≤ i} min(1, (m - j + 1) · p_(j));
/// the running maximum keeps the adjusted values in the same order as the raw ones, so rejecting
/// "adjusted p < alpha" is the same as Holm's sequential procedure.
public func holmAdjusted(_ pValues: [Double]) -> [Double] {
    let m = pValues.count
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 0, count: m)
    var runningMaximum = 0.0
    for (rank, index) in order.enumerated() {
        runningMaximum = max(runningMaximum, min(1, Double(m - rank) * pValues[index]))
        adjusted[index] = runningMaximum
    }
    return adjusted
}
