/// Assignments as points of the unit cube, the input space of the Bayesian search's Gaussian process.
///
/// - a min/max range takes one coordinate, its position `ParameterRange.unit(of:)` (so log-scale
///   parameters are spread over decades, not crowded at the top);
/// - listed numbers (`batch_size: {values: [64, 128, 256]}`) take one coordinate, their rank spread evenly
///   over [0, 1]: the values are ordered, and neighbours tend to behave alike;
/// - other listed values (strings, booleans) are categories without order: one coordinate each, one-hot;
/// - constants and single values take none.
struct SearchSpaceEncoding: Sendable {
    private enum Slot: Sendable {
        case unit(ParameterRange)
        case ordinal([SweepValue])
        case oneHot([SweepValue])
    }

    private let slots: [(name: String, slot: Slot, offset: Int)]
    /// The number of coordinates.
    let dimension: Int

    init(parameters: [SweepParameter]) {
        var slots: [(String, Slot, Int)] = []
        var offset = 0
        for parameter in parameters where !parameter.isConstant {
            let slot: Slot
            switch parameter.domain {
            case .constant: continue
            case let .range(range): slot = .unit(range)
            case let .categorical(values, _):
                let numbers = values.compactMap(\.doubleValue)
                slot = numbers.count == values.count
                    ? .ordinal(values.sorted { $0.doubleValue! < $1.doubleValue! })
                    : .oneHot(values)
            }
            slots.append((parameter.name, slot, offset))
            if case let .oneHot(values) = slot { offset += values.count } else { offset += 1 }
        }
        self.slots = slots
        dimension = offset
    }

    /// The point of an assignment (a value not among a parameter's listed ones leaves its coordinates 0).
    func encode(_ assignment: SweepAssignment) -> [Double] {
        var point = [Double](repeating: 0, count: dimension)
        for (name, slot, offset) in slots {
            guard let value = assignment[name] else { continue }
            switch slot {
            case let .unit(range):
                point[offset] = range.unit(of: value)
            case let .ordinal(values):
                if let rank = values.firstIndex(of: value) { point[offset] = Double(rank) / Double(values.count - 1) }
            case let .oneHot(values):
                if let index = values.firstIndex(of: value) { point[offset + index] = 1 }
            }
        }
        return point
    }
}
