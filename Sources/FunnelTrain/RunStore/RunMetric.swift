import Foundation

/// One number that summarises a run: an aggregate of one epoch metric over the run's epochs.
///
/// Written `field` (its final value) or `aggregate(field)`, e.g. `test_top1`, `max(test_top1)`,
/// `min(test_loss)`, `mean(images_per_second)`, `sum(seconds)`. A field is an epoch column (see
/// `EpochRecord.fields`) or a key of the epochs' `extra` metrics.
public struct RunMetric: Hashable, Sendable, CustomStringConvertible {
    /// How the per-epoch values become one number. Epochs without the metric are skipped.
    public enum Aggregate: String, CaseIterable, Sendable {
        /// The value of the last epoch that has one.
        case final
        /// The smallest value (e.g. of a loss).
        case min
        /// The largest value (e.g. of an accuracy).
        case max
        /// The mean over epochs.
        case mean
        /// The total (e.g. of seconds).
        case sum
    }

    /// How epoch values are combined.
    public var aggregate: Aggregate
    /// The epoch metric's name.
    public var field: String

    /// The metric `aggregate(field)`.
    public init(_ aggregate: Aggregate, _ field: String) {
        self.aggregate = aggregate
        self.field = field
    }

    /// Parses `field` or `aggregate(field)`.
    public init(parsing text: String) throws(RunStoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.firstIndex(of: "(") else {
            guard Self.isName(trimmed) else { throw .badMetric(text) }
            self.init(.final, trimmed)
            return
        }
        let name = String(trimmed[..<open])
        let inner = trimmed[trimmed.index(after: open)...]
        guard inner.hasSuffix(")"), let aggregate = Aggregate(rawValue: name) else { throw .badMetric(text) }
        let field = String(inner.dropLast()).trimmingCharacters(in: .whitespaces)
        guard Self.isName(field) else { throw .badMetric(text) }
        self.init(aggregate, field)
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "_.-".contains($0) }
    }

    /// `field` for a final value, `aggregate(field)` otherwise; `init(parsing:)` reads it back.
    public var description: String {
        aggregate == .final ? field : "\(aggregate.rawValue)(\(field))"
    }

    /// The metric over `epochs` (taken in epoch order), or nil when no epoch has the field.
    public func value(over epochs: [EpochRecord]) -> Double? {
        let values = epochs.sorted { $0.epoch < $1.epoch }.compactMap { $0.value(field) }
        guard !values.isEmpty else { return nil }
        switch aggregate {
        case .final: return values.last
        case .min: return values.min()
        case .max: return values.max()
        case .mean: return values.reduce(0, +) / Double(values.count)
        case .sum: return values.reduce(0, +)
        }
    }
}
