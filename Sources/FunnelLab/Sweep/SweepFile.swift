import Foundation
import FunnelStats
import Yams

extension SweepConfiguration {
    /// Reads a sweep file in the W&B sweep format.
    ///
    /// ```yaml
    /// method: bayes            # grid | random | bayes
    /// metric: {name: test_loss, goal: minimize}
    /// run_cap: 20
    /// parameters:
    ///   act: {values: [relu, mish, swish]}
    ///   lr: {min: 0.0001, max: 0.1, distribution: log_uniform_values}
    ///   epochs: {value: 50}
    /// early_terminate: {type: hyperband, min_iter: 3, eta: 3}
    /// ```
    ///
    /// Parameters take `value`, `values` (with optional `probabilities`), or `min`/`max` with a
    /// `distribution` among `ParameterRange.Distribution` (inferred as in W&B when absent: `int_uniform` if
    /// both bounds are integers, else `uniform`). W&B's descriptive keys (`program`, `command`, `name`,
    /// `description`, `project`, `entity`, ...) are accepted and ignored; any other key is an error, so a
    /// typo does not silently change the sweep.
    ///
    /// - Parameter yaml: The file's text.
    /// - Throws: `SweepConfigurationError` naming the field and what was expected there.
    public init(yaml: String) throws(SweepConfigurationError) {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw SweepConfigurationError(field: "yaml", message: "not valid YAML: \(error)")
        }
        guard let root else { throw SweepConfigurationError(field: "yaml", message: "the file is empty") }
        let file = try SweepFileReader.mapping(root, "sweep file")
        try SweepFileReader.checkKeys(file, "sweep file", allowed: ["method", "metric", "run_cap", "parameters", "early_terminate"],
                                      ignored: ["program", "command", "name", "description", "project", "entity",
                                                "apiVersion", "kind", "controller", "job", "image_uri",
                                                "recipe"])  // Funnel: the fixed training settings (see SweepRunner)
        guard let methodNode = file["method"] else {
            throw SweepConfigurationError(field: "method", message: "missing; expected one of \(SweepFileReader.list(Method.allCases.map(\.rawValue)))")
        }
        let method: Method = try SweepFileReader.choice(methodNode, "method")
        let metric = try file["metric"].map(SweepFileReader.metric)
        let runCap = try file["run_cap"].map { node throws(SweepConfigurationError) in try SweepFileReader.integer(node, "run_cap") }
        guard let parametersNode = file["parameters"] else {
            throw SweepConfigurationError(field: "parameters", message: "missing; expected a mapping from parameter names to their values")
        }
        let parameters = try SweepFileReader.parameters(parametersNode)
        let earlyTerminate = try file["early_terminate"].map(SweepFileReader.hyperband)
        try self.init(method: method, metric: metric, runCap: runCap, parameters: parameters, earlyTerminate: earlyTerminate)
    }

    /// Reads a sweep file from disk; see `init(yaml:)`.
    ///
    /// - Throws: `SweepConfigurationError` when the file cannot be read or is not a valid sweep.
    public init(contentsOf url: URL) throws(SweepConfigurationError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw SweepConfigurationError(field: url.path, message: "cannot be read: \(error.localizedDescription)")
        }
        try self.init(yaml: text)
    }
}

/// The typed reading of sweep-file nodes; every failure names the field's dotted path.
private enum SweepFileReader {
    static func parameters(_ node: Node) throws(SweepConfigurationError) -> [SweepParameter] {
        let entries = try mapping(node, "parameters")
        var parameters: [SweepParameter] = []
        for (key, value) in entries {
            guard let name = key.string else {
                throw SweepConfigurationError(field: "parameters", message: "expected parameter names as keys, got \(key)")
            }
            parameters.append(SweepParameter(name: name, domain: try domain(value, "parameters.\(name)")))
        }
        return parameters
    }

    /// One parameter's `value`, `values` or `min`/`max` entry.
    static func domain(_ node: Node, _ field: String) throws(SweepConfigurationError) -> SweepParameter.Domain {
        let entry = try mapping(node, field)
        if entry["parameters"] != nil {
            throw SweepConfigurationError(field: "\(field).parameters", message: "nested parameters are not supported; flatten them into top-level names")
        }
        let distributions = ["constant", "categorical"] + ParameterRange.Distribution.allCases.map(\.rawValue)
        try checkKeys(entry, field, allowed: ["value", "values", "probabilities", "min", "max", "q", "distribution"])
        let distribution = try entry["distribution"].map { node throws(SweepConfigurationError) in try string(node, "\(field).distribution") }
        if let distribution, !distributions.contains(distribution) {
            throw SweepConfigurationError(field: "\(field).distribution", message: "unsupported distribution '\(distribution)'; expected one of \(list(distributions))")
        }
        let forms = ["value", "values", "min"].filter { entry[$0] != nil }
        if forms.count > 1 {
            throw SweepConfigurationError(field: field, message: "expected one of 'value', 'values' or 'min'/'max', got \(list(forms))")
        }
        if let constant = entry["value"] {
            try expect(distribution, in: ["constant"], field)
            return .constant(try scalar(constant, "\(field).value"))
        }
        if let valuesNode = entry["values"] {
            try expect(distribution, in: ["categorical"], field)
            guard case let .sequence(items) = valuesNode else {
                throw SweepConfigurationError(field: "\(field).values", message: "expected a list of values, got \(describe(valuesNode))")
            }
            var values: [SweepValue] = []
            for (index, item) in items.enumerated() { values.append(try scalar(item, "\(field).values[\(index)]")) }
            let probabilities = try entry["probabilities"].map { node throws(SweepConfigurationError) in try numbers(node, "\(field).probabilities") }
            return .categorical(values, probabilities: probabilities)
        }
        if entry["probabilities"] != nil {
            throw SweepConfigurationError(field: "\(field).probabilities", message: "only goes with 'values'")
        }
        guard let minNode = entry["min"] else {
            throw SweepConfigurationError(field: field, message: entry["max"] == nil
                ? "expected 'values', 'value' or 'min'/'max'" : "has max but no min")
        }
        guard let maxNode = entry["max"] else { throw SweepConfigurationError(field: field, message: "has min but no max") }
        let low = try number(minNode, "\(field).min"), high = try number(maxNode, "\(field).max")
        let kind: ParameterRange.Distribution
        if let distribution {
            guard let range = ParameterRange.Distribution(rawValue: distribution) else {
                throw SweepConfigurationError(field: "\(field).distribution", message: "'\(distribution)' needs 'values' or 'value', not min/max")
            }
            kind = range
        } else {
            // W&B infers the distribution from the bounds' types.
            let bothIntegers = [minNode, maxNode].allSatisfy { if case .int = SweepValue(yaml: $0) { true } else { false } }
            kind = bothIntegers ? .intUniform : .uniform
        }
        let q = try entry["q"].map { node throws(SweepConfigurationError) in try number(node, "\(field).q") }
        if q != nil && kind != .qUniform && kind != .qLogUniformValues {
            throw SweepConfigurationError(field: "\(field).q", message: "only goes with q_uniform or q_log_uniform_values, not \(kind.rawValue)")
        }
        return .range(ParameterRange(min: low, max: high, distribution: kind, q: q))
    }

    static func metric(_ node: Node) throws(SweepConfigurationError) -> SweepConfiguration.Metric {
        let entry = try mapping(node, "metric")
        try checkKeys(entry, "metric", allowed: ["name", "goal", "target"])
        guard let name = entry["name"] else {
            throw SweepConfigurationError(field: "metric.name", message: "missing; expected the name runs log the metric under")
        }
        let goal: OptimizationGoal = try entry["goal"].map { node throws(SweepConfigurationError) in try choice(node, "metric.goal") } ?? .minimize
        let target = try entry["target"].map { node throws(SweepConfigurationError) in try number(node, "metric.target") }
        return .init(name: try string(name, "metric.name"), goal: goal, target: target)
    }

    static func hyperband(_ node: Node) throws(SweepConfigurationError) -> HyperbandSchedule {
        let field = "early_terminate"
        let entry = try mapping(node, field)
        try checkKeys(entry, field, allowed: ["type", "min_iter", "max_iter", "s", "eta"])
        guard let type = entry["type"] else {
            throw SweepConfigurationError(field: "\(field).type", message: "missing; expected 'hyperband'")
        }
        guard try string(type, "\(field).type") == "hyperband" else {
            throw SweepConfigurationError(field: "\(field).type", message: "unsupported type '\(type.string ?? "")'; expected 'hyperband'")
        }
        let eta = try entry["eta"].map { node throws(SweepConfigurationError) in try number(node, "\(field).eta") } ?? 3
        if let minimum = entry["min_iter"] {
            if entry["max_iter"] != nil {
                throw SweepConfigurationError(field: field, message: "expected either min_iter or max_iter with s, not both")
            }
            return HyperbandSchedule(eta: eta, brackets: .fromMinimum(iteration: try integer(minimum, "\(field).min_iter")))
        }
        guard let maximum = entry["max_iter"] else {
            throw SweepConfigurationError(field: field, message: "expected min_iter, or max_iter with s")
        }
        guard let count = entry["s"] else {
            throw SweepConfigurationError(field: "\(field).s", message: "missing; max_iter needs s, the number of bands")
        }
        return HyperbandSchedule(eta: eta, brackets: .fromMaximum(iteration: try integer(maximum, "\(field).max_iter"),
                                                                  brackets: try integer(count, "\(field).s")))
    }

    // MARK: Typed scalars

    static func mapping(_ node: Node, _ field: String) throws(SweepConfigurationError) -> Node.Mapping {
        guard let mapping = node.mapping else {
            throw SweepConfigurationError(field: field, message: "expected a mapping of keys to values, got \(describe(node))")
        }
        return mapping
    }

    static func checkKeys(_ mapping: Node.Mapping, _ field: String, allowed: [String], ignored: [String] = []) throws(SweepConfigurationError) {
        for key in mapping.keys {
            guard let name = key.string, allowed.contains(name) || ignored.contains(name) else {
                throw SweepConfigurationError(field: field, message: "unknown key \(describe(key)); expected one of \(list(allowed))")
            }
        }
    }

    /// The scalar at `node` read by `read`, or an error saying what was `expected` and what was found.
    private static func typed<T>(_ node: Node, _ field: String, expected: String, _ read: (SweepValue) -> T?) throws(SweepConfigurationError) -> T {
        guard let value = SweepValue(yaml: node).flatMap(read) else {
            throw SweepConfigurationError(field: field, message: "expected \(expected), got \(describe(node))")
        }
        return value
    }

    static func scalar(_ node: Node, _ field: String) throws(SweepConfigurationError) -> SweepValue {
        try typed(node, field, expected: "a number, string or boolean") { $0 }
    }

    static func string(_ node: Node, _ field: String) throws(SweepConfigurationError) -> String {
        try typed(node, field, expected: "a string") { $0.stringValue }
    }

    static func number(_ node: Node, _ field: String) throws(SweepConfigurationError) -> Double {
        try typed(node, field, expected: "a number") { $0.doubleValue }
    }

    static func integer(_ node: Node, _ field: String) throws(SweepConfigurationError) -> Int {
        try typed(node, field, expected: "an integer") { if case let .int(number) = $0 { number } else { nil } }
    }

    static func numbers(_ node: Node, _ field: String) throws(SweepConfigurationError) -> [Double] {
        guard case let .sequence(items) = node else {
            throw SweepConfigurationError(field: field, message: "expected a list of numbers, got \(describe(node))")
        }
        var numbers: [Double] = []
        for (index, item) in items.enumerated() { numbers.append(try number(item, "\(field)[\(index)]")) }
        return numbers
    }

    /// A word among a `String`-backed enum's cases.
    static func choice<Choice: RawRepresentable & CaseIterable>(_ node: Node, _ field: String) throws(SweepConfigurationError) -> Choice
    where Choice.RawValue == String {
        let word = try string(node, field)
        guard let choice = Choice(rawValue: word) else {
            throw SweepConfigurationError(field: field, message: "unknown value '\(word)'; expected one of \(list(Choice.allCases.map(\.rawValue)))")
        }
        return choice
    }

    /// `distribution: categorical` with `values`, etc.: a stated distribution must fit the form used.
    static func expect(_ distribution: String?, in allowed: [String], _ field: String) throws(SweepConfigurationError) {
        if let distribution, !allowed.contains(distribution) {
            throw SweepConfigurationError(field: "\(field).distribution", message: "'\(distribution)' needs min/max, not 'value' or 'values'")
        }
    }

    static func list(_ words: some Sequence<String>) -> String {
        words.map { "'\($0)'" }.joined(separator: ", ")
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): scalar.string.isEmpty ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
