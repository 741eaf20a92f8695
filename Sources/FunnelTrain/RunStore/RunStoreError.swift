import Foundation

/// Why a run-store operation was refused. Database failures (locked for longer than the busy
/// timeout, disk full) surface as GRDB's `DatabaseError` instead.
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
    case claimLost(cell: Int64, worker: String, holder: String?, status: CellStatus)
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
            return "cell \(cell): \(worker) no longer holds it (status \(status.rawValue), claimed by \(holder ?? "nobody"))"
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
