/// When Hyperband looks at runs: the bands (iterations) and the survival ratio 1/eta, as the
/// `early_terminate` section of a W&B sweep file gives them.
///
/// Bands are indices into a run's logged metric history, as in W&B's `hyperband_stop_runs`: band b is
/// reached once the run has logged more than b values, and judged by the value at index b.
public struct HyperbandSchedule: Sendable, Hashable {
    /// How the bands are laid out.
    public enum Brackets: Sendable, Hashable {
        /// `min_iter`: bands at ⌊min_iter · eta^k⌋ for k = 0, 1, 2, ...
        case fromMinimum(iteration: Int)
        /// `max_iter` and `s`: bands at ⌊max_iter / eta^k⌋ for k = 1...s, those that are at least 1.
        case fromMaximum(iteration: Int, brackets: Int)
    }

    /// Only the best 1/eta of the runs at a band continue (W&B's default is 3).
    public let eta: Double
    /// The bands.
    public let brackets: Brackets

    /// - Parameters:
    ///   - eta: The reduction factor, > 1.
    ///   - brackets: Where the bands lie.
    public init(eta: Double = 3, brackets: Brackets) {
        self.eta = eta
        self.brackets = brackets
    }

    /// The bands below `limit`, ascending.
    public func bands(below limit: Int) -> [Int] {
        var bands: [Int] = []
        switch brackets {
        case let .fromMinimum(iteration):
            var band = Double(iteration)
            while band < Double(limit) { bands.append(Int(band)); band *= eta }
        case let .fromMaximum(iteration, count):
            var band = Double(iteration)
            for _ in 0..<count {
                band /= eta
                if band < 1 { break }
                bands.append(Int(band))
            }
            bands = bands.filter { $0 < limit }.sorted()
        }
        return bands
    }

    /// Checks the numbers; `field` prefixes the error (`early_terminate`).
    package func validate(field: String) throws(SweepConfigurationError) {
        guard eta > 1, eta.isFinite else {
            throw SweepConfigurationError(field: "\(field).eta", message: "expected a number greater than 1, got \(eta)")
        }
        switch brackets {
        case let .fromMinimum(iteration):
            if iteration < 1 { throw SweepConfigurationError(field: "\(field).min_iter", message: "expected an integer of at least 1, got \(iteration)") }
        case let .fromMaximum(iteration, count):
            if count < 1 { throw SweepConfigurationError(field: "\(field).s", message: "expected an integer of at least 1, got \(count)") }
            if Double(iteration) / eta < 1 {
                throw SweepConfigurationError(field: "\(field).max_iter", message: "max_iter (\(iteration)) / eta (\(eta)) is below 1, which leaves no band; increase max_iter or decrease eta")
            }
        }
    }
}

/// Hyperband-style early termination (Li et al. 2018, "Hyperband", JMLR), as W&B sweeps apply it.
///
/// At each band b, a run's metric is compared with the runs that reached b: sorted best first, the
/// threshold is the value at position ⌊n/eta⌋, and a run strictly worse than it is stopped. So roughly the
/// best 1/eta of the runs pass each band. A run is judged at the latest band it has reached; values that
/// are not finite (a diverged loss logged as NaN) are dropped from histories first, as W&B does.
public struct HyperbandStopping: Sendable, Hashable {
    /// The bands and eta.
    public let schedule: HyperbandSchedule
    /// Whether lower or higher metric values are better.
    public let goal: OptimizationGoal

    /// - Parameters:
    ///   - schedule: The bands and eta.
    ///   - goal: Whether lower or higher metric values are better.
    public init(schedule: HyperbandSchedule, goal: OptimizationGoal) {
        self.schedule = schedule
        self.goal = goal
    }

    /// Whether a running run should stop now.
    ///
    /// - Parameters:
    ///   - runMetricHistory: The run's metric, one value per logged iteration.
    ///   - allRunsHistory: The histories of every run of the sweep, finished or running, this one included.
    /// - Returns: true when the run's value at the latest band it reached is worse than that band's threshold.
    public func shouldStop(runMetricHistory: [Double], allRunsHistory: [[Double]]) -> Bool {
        let history = losses(runMetricHistory)
        guard let band = schedule.bands(below: history.count).last,
              let threshold = threshold(atBand: band, allRunsHistory: allRunsHistory) else { return false }
        return history[band] > threshold
    }

    /// The threshold at `band` as a loss (negated when maximising), or nil when no run has reached it.
    public func threshold(atBand band: Int, allRunsHistory: [[Double]]) -> Double? {
        let values = allRunsHistory.map(losses).filter { $0.count > band }.map { $0[band] }.sorted()
        guard !values.isEmpty else { return nil }
        return values[min(Int(Double(values.count) / schedule.eta), values.count - 1)]
    }

    /// The finite values of a history, oriented so that lower is better.
    private func losses(_ history: [Double]) -> [Double] {
        history.filter(\.isFinite).map(goal.asLoss)
    }
}
