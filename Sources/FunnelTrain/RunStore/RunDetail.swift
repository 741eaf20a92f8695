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

    /// Consecutive epochs trained by one Funnel build.
    public struct BuildSpan: Equatable, Sendable {
        /// The build's commit; nil where neither the epochs nor the run recorded one.
        public var commit: String?
        public var firstEpoch: Int
        public var lastEpoch: Int

        /// `9911e9c7ae05 (epochs 3-5)`, `none recorded (epoch 1)`.
        public var label: String {
            (commit ?? "none recorded") + (firstEpoch == lastEpoch ? " (epoch \(firstEpoch))" : " (epochs \(firstEpoch)-\(lastEpoch))")
        }
    }

    /// The builds that trained the epochs, in epoch order, one span per change of build. Epochs that
    /// name none (recorded before Funnel did) are given the starting build's.
    public var buildSpans: [BuildSpan] {
        var spans: [BuildSpan] = []
        for epoch in epochs {
            let commit = epoch.commit ?? run.spec.gitCommit
            if let last = spans.last, last.commit == commit {
                spans[spans.count - 1].lastEpoch = epoch.epoch
            } else {
                spans.append(BuildSpan(commit: commit, firstEpoch: epoch.epoch, lastEpoch: epoch.epoch))
            }
        }
        return spans
    }

    /// Every build the run records: the one that started it, then those that trained its epochs (a
    /// run resumed by another build, `buildSpans`), each once.
    public var builds: [String?] {
        var seen: [String?] = [run.spec.gitCommit]
        for span in buildSpans where !seen.contains(span.commit) { seen.append(span.commit) }
        return seen
    }
}
