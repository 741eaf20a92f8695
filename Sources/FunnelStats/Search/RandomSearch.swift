import FunnelTensor

/// Independent draws from each parameter's distribution, reproducible from a seed.
public struct RandomSearch: SweepSearch {
    /// The parameters to draw.
    public let parameters: [SweepParameter]
    /// The seed; the n-th suggestion depends only on it and n.
    public let seed: UInt64

    /// - Parameters:
    ///   - parameters: The parameters to draw.
    ///   - seed: The seed of the suggestions.
    public init(parameters: [SweepParameter], seed: UInt64 = 0) {
        self.parameters = parameters
        self.seed = seed
    }

    /// One draw of every parameter, in parameter order.
    public func sample(using generator: inout RandomGenerator) -> SweepAssignment {
        var assignment: SweepAssignment = [:]
        for parameter in parameters { assignment[parameter.name] = parameter.value(atUnit: generator.nextDouble()) }
        return assignment
    }

    /// A fresh draw, from the stream of suggestion number `history.count`.
    public func suggest(history: [SweepObservation]) -> SweepAssignment? {
        var generator = RandomGenerator(seed: seed, stream: history.count)
        return sample(using: &generator)
    }
}
