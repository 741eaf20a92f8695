import Foundation

/// Why a run-store operation was refused or failed.
public enum RunStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The lock file that serialises opening the store could not be created or locked.
    case lockFailed(path: String, reason: String)
    /// No run has this id.
    case noSuchRun(id: Int64, store: String)
    /// No cell has this id.
    case noSuchCell(id: Int64, store: String)
    /// A field that must hold JSON does not.
    case invalidJSON(field: String, reason: String)
    /// The worker no longer holds the cell: its claim went stale and another worker took it,
    /// or the cell was completed or failed meanwhile.
    /// `cell` is the row id (of a cell or a sweep run) and `status` its status now.
    case claimLost(cell: Int64, worker: String, holder: String?, status: String)
    /// The database cannot be reached or written (server gone, disk full, read-only file).
    case unavailable(store: String, reason: String)
    /// The database refused a statement.
    case database(store: String, message: String)
    /// A stored column does not hold what the store expects.
    case badColumn(table: String, column: String, expected: String, found: String)
    /// A `--store` / `FUNNEL_STORE` value does not parse.
    case badLocation(String, reason: String)
    /// No sweep has this id.
    case noSuchSweep(id: Int64, store: String)
    /// No cell belongs to this experiment; `known` lists the experiments that have cells.
    case noSuchExperiment(name: String, store: String, known: [String])
    /// The store was upgraded by a newer Funnel: it records schema steps (`unknown`) this one
    /// does not know, and would be written without what they add.
    case newerSchema(store: String, unknown: [String])
    /// A metric expression does not parse.
    case badMetric(String)
    /// No compared run has this metric; `known` lists what they have.
    case unknownMetric(String, known: [String])

    public var description: String {
        switch self {
        case let .lockFailed(path, reason):
            return "\(path): cannot lock: \(reason)"
        case let .noSuchRun(id, store):
            return "\(store): no run with id \(id)"
        case let .noSuchCell(id, store):
            return "\(store): no cell with id \(id)"
        case let .invalidJSON(field, reason):
            return "\(field) is not valid JSON: \(reason)"
        case let .claimLost(cell, worker, holder, status):
            return "cell \(cell): \(worker) no longer holds it (status \(status), claimed by \(holder ?? "nobody")); its writes are refused"
        case let .unavailable(store, reason):
            return "\(store): \(reason)"
        case let .database(store, message):
            return "\(store): \(message)"
        case let .badColumn(table, column, expected, found):
            return "run store table \(table), column \(column): expected \(expected), found \(found)"
        case let .badLocation(text, reason):
            return "store '\(text)': \(reason)"
        case let .noSuchSweep(id, store):
            return "\(store): no sweep with id \(id)"
        case let .noSuchExperiment(name, store, known):
            return "\(store): no cells of experiment '\(name)': it was never queued in this store (`funnel experiment run` or `submit` queue it); "
                + (known.isEmpty ? "the store holds no experiment" : "experiments there: " + known.joined(separator: ", "))
        case let .newerSchema(store, unknown):
            return "\(store): upgraded by a newer Funnel (schema steps this one does not know: "
                + unknown.map { "'\($0)'" }.joined(separator: ", ") + "); it would write rows without what those record. "
                + "Use that Funnel, or a newer one, on every machine that shares the store"
        case let .badMetric(text):
            return "metric '\(text)' does not parse: expected a field such as test_top1, or aggregate(field) with aggregate one of "
                + RunMetric.Aggregate.allCases.map(\.rawValue).joined(separator: ", ")
        case let .unknownMetric(name, known):
            return "no compared run has metric '\(name)' (known: \(known.joined(separator: ", ")))"
        }
    }
}

extension RunStoreError: LocalizedError {
    public var errorDescription: String? { description }
}
