import FunnelStats

/// A sweep ready to run: its configuration, the search method it names, and its early termination.
///
/// The caller (a sweep runner) owns the runs; it asks `nextRun` for hyper-parameters, trains, reports the
/// metric back through the history, and asks `shouldStop` while a run is training.
public struct Sweep: Sendable {
    /// The sweep's configuration.
    public let configuration: SweepConfiguration
    /// The search method of `configuration.method`.
    public let search: any SweepSearch
    /// Hyperband from `configuration.earlyTerminate`, with the metric's goal; nil when not configured.
    public let earlyTermination: HyperbandStopping?

    /// - Parameters:
    ///   - configuration: A validated configuration.
    ///   - seed: The seed of random and Bayesian search (grid search ignores it).
    public init(_ configuration: SweepConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        let goal = configuration.metric?.goal ?? .minimize
        switch configuration.method {
        case .grid: search = GridSearch(parameters: configuration.parameters)
        case .random: search = RandomSearch(parameters: configuration.parameters, seed: seed)
        case .bayes: search = BayesianSearch(parameters: configuration.parameters, goal: goal, seed: seed)
        }
        earlyTermination = configuration.earlyTerminate.map { HyperbandStopping(schedule: $0, goal: goal) }
    }

    /// The next run's hyper-parameters, or nil when the sweep is over: the run cap is reached, a run reached
    /// the metric's target, or the search is exhausted (a finished grid).
    ///
    /// - Parameter history: Every run started so far, in start order, running ones with metric nil.
    public func nextRun(history: [SweepObservation]) -> SweepAssignment? {
        if let cap = configuration.runCap, history.count >= cap { return nil }
        if let metric = configuration.metric, history.contains(where: { $0.metric.map(metric.reachesTarget) == true }) {
            return nil
        }
        return search.suggest(history: history)
    }

    /// Whether a running run should stop early (always false without `early_terminate`).
    ///
    /// - Parameters:
    ///   - runMetricHistory: The run's metric, one value per logged iteration.
    ///   - allRunsHistory: The metric histories of all the sweep's runs, this one included.
    public func shouldStop(runMetricHistory: [Double], allRunsHistory: [[Double]]) -> Bool {
        earlyTermination?.shouldStop(runMetricHistory: runMetricHistory, allRunsHistory: allRunsHistory) ?? false
    }
}
