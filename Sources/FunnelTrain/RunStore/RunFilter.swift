/// Which runs to list, compare or export. Each set field must match; nil fields match anything.
public struct RunFilter: Equatable, Sendable {
    /// Only runs of this name (a run started over, or recorded before, has several).
    public var name: String?
    /// Only runs of this experiment.
    public var experiment: String?
    /// Only runs of this model.
    public var model: String?
    /// Only runs with this activation.
    public var act: String?
    /// Only runs on this dataset.
    public var dataset: String?
    /// Only runs in this status.
    public var status: RunStatus?
    /// Only these run ids.
    public var ids: [Int64]?

    /// A filter; with no arguments it matches every run.
    public init(name: String? = nil, experiment: String? = nil, model: String? = nil, act: String? = nil, dataset: String? = nil,
                status: RunStatus? = nil, ids: [Int64]? = nil) {
        self.name = name
        self.experiment = experiment
        self.model = model
        self.act = act
        self.dataset = dataset
        self.status = status
        self.ids = ids
    }

    /// The query for the matching runs, ordered by id.
    func query(_ dialect: SQLDialect) -> (sql: String, arguments: [SQLValue]) {
        var conditions: [String] = [], arguments: [SQLValue] = []
        let equalities: [(String, String?)] = [
            ("name", name), ("experiment", experiment), ("model", model), ("act", act), ("dataset", dataset), ("status", status?.rawValue),
        ]
        for case let (column, value?) in equalities {
            conditions.append("\(column) = ?")
            arguments.append(.text(value))
        }
        if let ids {
            conditions.append(ids.isEmpty ? "1 = 0" : "id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))")
            arguments += ids.map { .integer($0) }
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT \(RunRecord.selection(dialect)) FROM run\(filter) ORDER BY id", arguments)
    }

    /// Each set field that none of `runs` matches, with the values they have, for a listing that
    /// comes back empty: a misspelt activation would otherwise read as "no runs yet".
    public func unmatched(in runs: [RunRecord]) -> [String] {
        let fields: [(String, String?, [String])] = [
            ("name", name, runs.map(\.spec.name)), ("experiment", experiment, runs.compactMap(\.spec.experiment)), ("model", model, runs.map(\.spec.model)),
            ("act", act, runs.map(\.spec.act)), ("dataset", dataset, runs.map(\.spec.dataset)),
            ("status", status?.rawValue, runs.map(\.status.rawValue)),
        ]
        return fields.compactMap { field, value, present in
            guard let value, !present.contains(value) else { return nil }
            return "no run has \(field) '\(value)'; " + (present.isEmpty ? "no run has one" : "there: " + Set(present).sorted().joined(separator: ", "))
        }
    }
}
