/// One run with all its epochs, as `RunStore.detail(_:)` shows it and the JSON export writes it.
public struct RunDetail: Equatable, Sendable, Encodable {
    /// The run.
    public var run: RunRecord
    /// The epochs in order.
    public var epochs: [EpochRecord]

    /// A run with its epochs.
    public init(run: RunRecord, epochs: [EpochRecord]) {
        self.run = run
        self.epochs = epochs
    }
}
