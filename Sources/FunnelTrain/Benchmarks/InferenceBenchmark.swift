import Foundation
import FunnelModels
import FunnelNN

/// Inference speed of a model with an activation, in evaluation mode without gradients: latency
/// of one image and throughput of a large batch, on random weights and inputs (speed does not
/// depend on their values).
public enum InferenceBenchmark {
    /// One engine's figures for one configuration.
    public struct Figures: Codable, Sendable, Equatable {
        /// Median milliseconds of a batch-1 forward pass.
        public var latencyMilliseconds: Double
        /// Images per second at the large batch (median pass).
        public var imagesPerSecond: Double
        public init(latencyMilliseconds: Double, imagesPerSecond: Double) {
            self.latencyMilliseconds = latencyMilliseconds
            self.imagesPerSecond = imagesPerSecond
        }
    }

    /// How much to run: passes at batch 1 and at `batchSize`, after a warm-up pass of each.
    public struct Plan: Codable, Sendable, Equatable {
        public var latencyRuns = 50
        public var batchSize = 256
        public var throughputRuns = 5
        public init(latencyRuns: Int = 50, batchSize: Int = 256, throughputRuns: Int = 5) {
            self.latencyRuns = latencyRuns
            self.batchSize = batchSize
            self.throughputRuns = throughputRuns
        }
    }

    /// The model every engine of a comparison times: 10 classes, weights from seed 0, inference mode.
    public static func model(_ name: String, act: String) throws -> Module {
        DefaultRandom.seed(0)
        let model = try Models.make(ModelConfig(name: name, classes: 10, activation: try Activations.factory(act)))
        model.setMode(.inference)
        return model
    }

    /// Measures `model` (built with `act`) on Funnel.
    /// - Parameter prepare: changes the model before timing, e.g. folding batch norms.
    public static func measure(model name: String, act: String, plan: Plan, prepare: (Module) throws -> Void = { _ in }) throws -> Figures {
        let entry = try Models.entry(name)
        let model = try self.model(name, act: act)
        try prepare(model)
        return withoutGrad {
            let one = Tensor.normal([1] + entry.input), many = Tensor.normal([plan.batchSize] + entry.input)
            _ = model(one).scalars
            let latency = median((0..<plan.latencyRuns).map { _ in measureSeconds { _ = model(one).scalars } })
            _ = model(many).scalars
            let pass = median((0..<plan.throughputRuns).map { _ in measureSeconds { _ = model(many).scalars } })
            return Figures(latencyMilliseconds: latency * 1e3, imagesPerSecond: Double(plan.batchSize) / pass)
        }
    }
}
