/// A finished or started run of a sweep, as a search method sees it.
public struct SweepObservation: Sendable, Hashable {
    /// The run's hyper-parameters.
    public let assignment: SweepAssignment
    /// The run's final value of the sweep metric; nil while it runs, or when it failed.
    public let metric: Double?

    /// - Parameters:
    ///   - assignment: The run's hyper-parameters.
    ///   - metric: Its final metric value, or nil when it has none (running, failed).
    public init(assignment: SweepAssignment, metric: Double?) {
        self.assignment = assignment
        self.metric = metric
    }
}

/// A way of choosing the next run's hyper-parameters from the runs so far.
///
/// Searches are values without mutable state: the suggestion is a function of the history (and the
/// search's seed), so a sweep that restarts from its run store continues exactly where it was.
public protocol SweepSearch: Sendable {
    /// The next run's hyper-parameters, or nil when the search has nothing left to try (an exhausted grid).
    ///
    /// - Parameter history: Every run started so far, in the order they were started, including those
    ///   still running (metric nil).
    func suggest(history: [SweepObservation]) -> SweepAssignment?
}
