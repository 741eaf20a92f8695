/// Where a run is in its life.
public enum RunStatus: String, CaseIterable, Codable, Sendable, SQLColumnValue {
    /// Training, or died without being able to say so (see `interrupted`).
    case running
    /// Completed every epoch.
    case finished
    /// Stopped by an error; the run's `error` says which.
    case failed
    /// Stopped on purpose (Ctrl-C, a time limit, a preempted worker) and resumable from its checkpoint.
    case interrupted

    /// Whether the run has ended.
    public var isTerminal: Bool { self != .running }
}
