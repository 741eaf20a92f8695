import FunnelStats

/// A hyper-parameter sweep: how to search, what to optimise, the budget, the parameters and their values,
/// and when to stop runs early. The same structure as a W&B sweep file (see `init(yaml:)`).
public struct SweepConfiguration: Sendable, Hashable {
    /// How the next run's hyper-parameters are chosen.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Every combination of the listed values, in order (`GridSearch`).
        case grid
        /// Independent draws from each parameter's distribution (`RandomSearch`).
        case random
        /// Gaussian-process Bayesian optimisation (`BayesianSearch`).
        case bayes
    }

    /// The metric a sweep optimises.
    public struct Metric: Sendable, Hashable {
        /// The name runs log it under, e.g. `test_loss`.
        public let name: String
        /// Whether lower or higher is better (W&B's default is `minimize`).
        public let goal: OptimizationGoal
        /// A value that, once reached by a run, ends the sweep; nil for none.
        public let target: Double?

        /// - Parameters:
        ///   - name: The metric's name.
        ///   - goal: Whether lower or higher is better.
        ///   - target: A value that ends the sweep once reached.
        public init(name: String, goal: OptimizationGoal = .minimize, target: Double? = nil) {
            self.name = name
            self.goal = goal
            self.target = target
        }

        /// Whether `value` reaches `target` (false without a target).
        public func reachesTarget(_ value: Double) -> Bool {
            guard let target else { return false }
            return value == target || goal.isBetter(value, than: target)
        }
    }

    /// The search method.
    public let method: Method
    /// The metric to optimise; required by `bayes` and by early termination.
    public let metric: Metric?
    /// The largest number of runs; nil for no cap (a grid still ends when it is exhausted).
    public let runCap: Int?
    /// The parameters, in the file's order (which is the grid's nesting order: first is outermost).
    public let parameters: [SweepParameter]
    /// Hyperband early termination; nil for none.
    public let earlyTerminate: HyperbandSchedule?

    /// A validated configuration.
    ///
    /// - Throws: `SweepConfigurationError` naming the field when the parts do not fit together: no
    ///   parameters or a repeated name, a bad range or value list, `bayes` or `early_terminate` without a
    ///   metric, a `grid` over a min/max range, a run cap below 1.
    public init(method: Method, metric: Metric?, runCap: Int? = nil, parameters: [SweepParameter],
                earlyTerminate: HyperbandSchedule? = nil) throws(SweepConfigurationError) {
        if parameters.isEmpty { throw SweepConfigurationError(field: "parameters", message: "expected at least one parameter") }
        var seen: Set<String> = []
        for parameter in parameters {
            let field = "parameters.\(parameter.name)"
            guard seen.insert(parameter.name).inserted else {
                throw SweepConfigurationError(field: field, message: "is defined twice")
            }
            try parameter.validate(field: field)
            if method == .grid, case .range = parameter.domain {
                throw SweepConfigurationError(field: field, message: "grid search needs 'values' or 'value', not a min/max range")
            }
        }
        if method == .bayes && metric == nil {
            throw SweepConfigurationError(field: "metric", message: "bayes search needs a metric to optimise ({name: ..., goal: minimize|maximize})")
        }
        if earlyTerminate != nil && metric == nil {
            throw SweepConfigurationError(field: "metric", message: "early_terminate needs a metric to compare runs by")
        }
        if let runCap, runCap < 1 {
            throw SweepConfigurationError(field: "run_cap", message: "expected a positive integer, got \(runCap)")
        }
        if let earlyTerminate { try earlyTerminate.validate(field: "early_terminate") }
        self.method = method
        self.metric = metric
        self.runCap = runCap
        self.parameters = parameters
        self.earlyTerminate = earlyTerminate
    }
}

extension SweepParameter {
    /// Checks the domain's own rules; `field` prefixes the error (`parameters.lr`).
    func validate(field: String) throws(SweepConfigurationError) {
        switch domain {
        case .constant:
            return
        case let .categorical(values, probabilities):
            if values.isEmpty { throw SweepConfigurationError(field: "\(field).values", message: "expected at least one value") }
            if let duplicate = firstRepeated(values) {
                throw SweepConfigurationError(field: "\(field).values", message: "value '\(duplicate)' is listed twice")
            }
            guard let probabilities else { return }
            if probabilities.count != values.count {
                throw SweepConfigurationError(field: "\(field).probabilities", message: "expected \(values.count) probabilities (one per value), got \(probabilities.count)")
            }
            if probabilities.contains(where: { !($0 >= 0) }) || abs(probabilities.reduce(0, +) - 1) > 1e-6 {
                throw SweepConfigurationError(field: "\(field).probabilities", message: "expected non-negative numbers summing to 1, got \(probabilities)")
            }
        case let .range(range):
            try range.validate(field: field)
        }
    }
}

extension ParameterRange {
    /// Checks the bounds for the distribution; `field` prefixes the error (`parameters.lr`).
    func validate(field: String) throws(SweepConfigurationError) {
        guard min.isFinite, max.isFinite, min < max else {
            throw SweepConfigurationError(field: field, message: "min (\(min)) must be less than max (\(max))")
        }
        if distribution == .intUniform && (min.rounded() != min || max.rounded() != max) {
            throw SweepConfigurationError(field: field, message: "int_uniform needs integer min and max, got \(min) and \(max)")
        }
        if (distribution == .logUniformValues || distribution == .qLogUniformValues) && min <= 0 {
            throw SweepConfigurationError(field: "\(field).min", message: "\(distribution.rawValue) is on a log scale and needs min > 0, got \(min)")
        }
        if let q, !(q > 0) {
            throw SweepConfigurationError(field: "\(field).q", message: "expected a positive quantum, got \(q)")
        }
    }
}
