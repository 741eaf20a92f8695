import Foundation

/// What is known about a run when it starts: its identity and full configuration.
public struct RunSpec: Sendable, Equatable {
    /// A human-readable name, e.g. "resnet20-frelu-s0".
    public var name: String
    /// The experiment this run belongs to, if any.
    public var experiment: String?
    /// The full configuration as JSON text, so that the run can be reproduced from the store alone.
    public var config: String
    /// Model name, e.g. "resnet20".
    public var model: String
    /// Activation name, e.g. "frelu".
    public var act: String
    /// Dataset name, e.g. "cifar10".
    public var dataset: String
    /// Random seed.
    public var seed: Int
    /// The source revision that ran, if known.
    public var gitCommit: String?
    /// Where it ran.
    public var machine: Machine

    /// A run specification; `config` must be JSON text (see `json(_:)` to make it from a value).
    public init(name: String, experiment: String? = nil, config: String, model: String, act: String,
                dataset: String, seed: Int, gitCommit: String? = nil, machine: Machine = .current()) {
        self.name = name
        self.experiment = experiment
        self.config = config
        self.model = model
        self.act = act
        self.dataset = dataset
        self.seed = seed
        self.gitCommit = gitCommit
        self.machine = machine
    }

    /// `value` as compact JSON with sorted keys, so that equal configurations give equal text.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Throws unless `text` parses as JSON; `field` names it in the error.
func validateJSON(_ text: String, field: String) throws(RunStoreError) {
    do {
        _ = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        throw .invalidJSON(field: field, reason: "\(error)")
    }
}
