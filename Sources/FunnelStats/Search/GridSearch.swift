/// Every combination of the parameters' listed values.
///
/// The order is that of nested loops over the parameters in the sweep file's order, the first parameter
/// outermost and each parameter's values in their listed order. A suggestion is the first combination
/// not yet in the history, so a restarted or crashed sweep fills its holes before going on.
public struct GridSearch: SweepSearch {
    /// The parameters; each must be `constant` or `categorical`.
    public let parameters: [SweepParameter]
    private let choices: [[SweepValue]]

    /// - Parameter parameters: Parameters with listed values (a validated grid configuration has only these).
    public init(parameters: [SweepParameter]) {
        self.parameters = parameters
        choices = parameters.map { parameter in
            switch parameter.domain {
            case let .constant(value): return [value]
            case let .categorical(values, _): return values
            case .range: preconditionFailure("[GridSearch] parameter '\(parameter.name)' is a min/max range; a grid needs listed values")
            }
        }
    }

    /// The number of combinations.
    public var count: Int { choices.reduce(1) { $0 * $1.count } }

    /// The combination at `index` (0..<count) in grid order.
    public func assignment(at index: Int) -> SweepAssignment {
        precondition(index >= 0 && index < count, "[GridSearch] index \(index) outside 0..<\(count)")
        var assignment: SweepAssignment = [:]
        var rest = index
        // The last parameter varies fastest: peel digits from the right.
        for (parameter, values) in zip(parameters, choices).reversed() {
            assignment[parameter.name] = values[rest % values.count]
            rest /= values.count
        }
        return assignment
    }

    /// The first combination in grid order that is not in the history; nil once all have run.
    public func suggest(history: [SweepObservation]) -> SweepAssignment? {
        let done = Set(history.map(\.assignment))
        return (0..<count).lazy.map(assignment(at:)).first { !done.contains($0) }
    }
}
