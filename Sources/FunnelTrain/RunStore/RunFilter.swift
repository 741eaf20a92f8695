import GRDB

/// Which runs to list, compare or export. Each set field must match; nil fields match anything.
public struct RunFilter: Equatable, Sendable {
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
    public init(experiment: String? = nil, model: String? = nil, act: String? = nil, dataset: String? = nil,
                status: RunStatus? = nil, ids: [Int64]? = nil) {
        self.experiment = experiment
        self.model = model
        self.act = act
        self.dataset = dataset
        self.status = status
        self.ids = ids
    }

    /// The matching runs, ordered by id.
    func request() -> QueryInterfaceRequest<RunRecord> {
        var request = RunRecord.all()
        let equalities: [(String, (any DatabaseValueConvertible)?)] = [
            ("experiment", experiment), ("model", model), ("act", act), ("dataset", dataset), ("status", status),
        ]
        for case let (column, value?) in equalities {
            request = request.filter(Column(column) == value)
        }
        if let ids {
            request = request.filter(ids.contains(Column("id")))
        }
        return request.order(Column("id"))
    }
}
