/// Which direction of a metric is better: `minimize` for losses, `maximize` for accuracies.
///
/// The raw values are the words W&B sweep files use under `metric.goal`, so the same value parses from a
/// sweep file and reads the same in a ranking.
public enum OptimizationGoal: String, Sendable, Hashable, CaseIterable {
    /// Lower is better (losses, error rates, latency).
    case minimize
    /// Higher is better (accuracies).
    case maximize

    /// Whether `a` is strictly better than `b` under this goal.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        self == .minimize ? a < b : a > b
    }

    /// The metric as a loss: itself when minimising, its negation when maximising.
    ///
    /// Code that only knows how to minimise (the Gaussian-process search, Hyperband thresholds) works on
    /// `asLoss(value)` so that the direction is decided in one place.
    public func asLoss(_ value: Double) -> Double {
        self == .minimize ? value : -value
    }
}
