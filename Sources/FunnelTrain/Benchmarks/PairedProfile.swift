import FunnelStats
import FunnelTensor

extension TrainBenchmark {
    /// Where a configuration's step time differs from its model's first activation's, op by op.
    ///
    /// Each round profiles both configurations one after the other, so a slow spell of a shared
    /// machine lands on both of a pair: the difference is taken round by round and summarised over
    /// the rounds as a mean with a 95% confidence interval (Student's t). One profile of each cannot
    /// tell a 2 ms difference from the machine's noise; the pairs over rounds can say whether the
    /// convolutions, which both configurations run, take longer in one network than in the other.
    public struct PairedProfile: Codable, Sendable, Equatable {
        /// One op kind and pass, or a total over several, in milliseconds a step.
        public struct Row: Codable, Sendable, Equatable {
            public let op: String
            public let pass: String
            /// Mean time a step over the rounds; nil where that configuration has no such op.
            public let baseMilliseconds: Double?
            public let milliseconds: Double?
            /// Mean of the round-by-round differences (configuration minus base; an op one side lacks counts 0 there).
            public let difference: Double
            /// The 95% confidence interval of that mean; nil with a single round.
            public let differenceLow: Double?
            public let differenceHigh: Double?

            enum CodingKeys: String, CodingKey {
                case op, pass, difference
                case baseMilliseconds = "base_ms", milliseconds = "ms", differenceLow = "difference_low", differenceHigh = "difference_high"
            }
        }

        public let model: String
        public let act: String
        /// The activation it is compared with: the model's first.
        public let base: String
        public let rounds: Int
        /// Op kinds and passes either configuration ran: those both ran, then those only one ran,
        /// each the largest difference first (ties by name).
        public let ops: [Row]
        /// Totals: the ops both ran, the ops only one of them ran, everything recorded, and the timed step (median of its steps).
        public let totals: [Row]

        /// The pairs of every configuration with a profile and its model's first activation.
        /// `rounds[k][i]` is configuration i's result in round k; every round lists the same
        /// configurations in the same order. Empty without profiles.
        public static func of(_ rounds: [[Result]]) -> [PairedProfile] {
            guard let first = rounds.first else { return [] }
            return first.indices.compactMap { i in
                let base = first.firstIndex { $0.model == first[i].model }!
                guard base != i else { return nil }
                let pairs = rounds.compactMap { round -> Pair? in
                    guard let b = round[base].profile, let a = round[i].profile else { return nil }
                    return Pair(base: milliseconds(b), act: milliseconds(a),
                                baseStep: round[base].stepSecondsMedian * 1e3, actStep: round[i].stepSecondsMedian * 1e3)
                }
                guard !pairs.isEmpty else { return nil }
                return PairedProfile(model: first[i].model, act: first[i].act, base: first[base].act, pairs: pairs)
            }
        }

        private struct Key: Hashable { let op: String; let pass: String }

        /// One round's two profiles (ms a step per op kind and pass) and timed steps.
        private struct Pair { let base, act: [Key: Double]; let baseStep, actStep: Double }

        /// Milliseconds a step per op kind and pass.
        private static func milliseconds(_ entries: [OpProfile.Entry]) -> [Key: Double] {
            Dictionary(entries.map { (Key(op: $0.op, pass: $0.pass.rawValue), $0.seconds * 1e3) }, uniquingKeysWith: +)
        }

        private init(model: String, act: String, base: String, pairs: [Pair]) {
            self.model = model; self.act = act; self.base = base; rounds = pairs.count
            let baseKeys = Set(pairs.flatMap(\.base.keys)), actKeys = Set(pairs.flatMap(\.act.keys))
            /// A row from the round-by-round times of both sides (nil: that side never ran it).
            func row(_ op: String, _ pass: String, base: [Double]?, act: [Double]?) -> Row {
                let differences = (0..<pairs.count).map { k in (act?[k] ?? 0) - (base?[k] ?? 0) }
                let summary = SampleSummary(differences)
                return Row(op: op, pass: pass, baseMilliseconds: base.map { SampleSummary($0).mean }, milliseconds: act.map { SampleSummary($0).mean },
                           difference: summary.mean, differenceLow: summary.confidenceInterval?.lowerBound,
                           differenceHigh: summary.confidenceInterval?.upperBound)
            }
            func times(_ side: KeyPath<Pair, [Key: Double]>, _ keys: Set<Key>) -> [Double] {
                pairs.map { pair in keys.reduce(0) { $0 + (pair[keyPath: side][$1] ?? 0) } }
            }
            let shared = baseKeys.intersection(actKeys)
            func rows(_ keys: Set<Key>) -> [Row] {
                keys.map { key in
                    row(key.op, key.pass, base: baseKeys.contains(key) ? times(\.base, [key]) : nil, act: actKeys.contains(key) ? times(\.act, [key]) : nil)
                }.sorted { abs($0.difference) != abs($1.difference) ? abs($0.difference) > abs($1.difference) : ($0.op, $0.pass) < ($1.op, $1.pass) }
            }
            ops = rows(shared) + rows(baseKeys.symmetricDifference(actKeys))
            totals = [
                row("ops both ran", "all", base: times(\.base, shared), act: times(\.act, shared)),
                row("ops one of them ran", "all", base: times(\.base, baseKeys.subtracting(shared)), act: times(\.act, actKeys.subtracting(shared))),
                row("all recorded", "all", base: times(\.base, baseKeys), act: times(\.act, actKeys)),
                row("timed step (median)", "", base: pairs.map(\.baseStep), act: pairs.map(\.actStep)),
            ]
        }
    }
}
