import Foundation
import FunnelTrain
import Yams

/// An experiment: a grid of models x activations x datasets x seeds (x variants) trained with one
/// recipe. Written in YAML:
///
/// ```yaml
/// name: study-quick
/// models: [resnet20]
/// acts: [relu, swish, mish, frelu, dyrelu_a, dyrelu_b]
/// datasets: [../shared/datasets/cifar10-jpeg.tar.gz]
/// seeds: [0, 1, 2]
/// recipe: {epochs: 15, schedule: cosine, train_limit: 10000}   # any `funnel train` field
/// variants:                                                      # optional placement ablations
///   - {name: stage3, stages: [3]}
/// ```
public struct ExperimentSpec: Codable, Sendable, Equatable {
    public var name: String
    public var models: [String]
    public var acts: [String]
    public var datasets: [String]
    public var seeds: [UInt64]
    public var recipe: TrainConfig
    public var variants: [Variant]?

    /// Overrides of the recipe that make a further grid axis (the paper's placement ablations).
    public struct Variant: Codable, Sendable, Equatable {
        public var name: String
        public var stages: [Int]?
        public var slots: String?
        public var se: Bool?
        public init(name: String, stages: [Int]? = nil, slots: String? = nil, se: Bool? = nil) {
            self.name = name; self.stages = stages; self.slots = slots; self.se = se
        }
    }

    public init(name: String, models: [String], acts: [String], datasets: [String], seeds: [UInt64], recipe: TrainConfig,
                variants: [Variant]? = nil) {
        self.name = name; self.models = models; self.acts = acts; self.datasets = datasets; self.seeds = seeds
        self.recipe = recipe; self.variants = variants
    }

    /// Reads and validates a YAML experiment file; errors name the file and the field.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ExperimentError("\(url.path): cannot read (\(error.localizedDescription))")
        }
        do { self = try YAMLDecoder().decode(ExperimentSpec.self, from: text) } catch let DecodingError.keyNotFound(key, context) {
            throw ExperimentError("\(url.path): missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.typeMismatch(type, context) {
            throw ExperimentError("\(url.path): field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' should be \(type)")
        } catch {
            throw ExperimentError("\(url.path): \(error)")
        }
        try validate()
    }

    /// Checks the grid is non-empty and every cell's config is valid.
    public func validate() throws {
        for (field, list) in [("models", models), ("acts", acts), ("datasets", datasets)] where list.isEmpty {
            throw ExperimentError("experiment '\(name)': '\(field)' is empty")
        }
        if seeds.isEmpty { throw ExperimentError("experiment '\(name)': 'seeds' is empty") }
        for cell in cells() {
            do { try cell.config.validate() } catch { throw ExperimentError("experiment '\(name)', cell \(cell.key): \(error)") }
        }
    }

    /// One training run of the grid.
    public struct Cell: Sendable, Equatable {
        public let key: String
        public let variant: String?
        public let config: TrainConfig
    }

    /// Every cell, in a stable order (models, then datasets, variants, acts, seeds).
    public func cells() -> [Cell] {
        var out: [Cell] = []
        for model in models {
            for dataset in datasets {
                for variant in (variants.map { $0.map(Optional.some) } ?? [nil]) {
                    for act in acts {
                        for seed in seeds {
                            var c = recipe
                            c.model = model; c.act = act; c.data = dataset; c.seed = seed
                            if let v = variant {
                                if let s = v.stages { c.stages = s }
                                if let s = v.slots { c.slots = s }
                                if let s = v.se { c.squeezeExcitation = s }
                            }
                            let parts = [model, ExperimentSpec.shortName(dataset), variant?.name, act, "s\(seed)"].compactMap { $0 }
                            out.append(Cell(key: parts.joined(separator: "/"), variant: variant?.name, config: c))
                        }
                    }
                }
            }
        }
        return out
    }

    /// `../shared/datasets/cifar10-jpeg.tar.gz` -> `cifar10-jpeg`.
    static func shortName(_ dataset: String) -> String {
        var name = URL(fileURLWithPath: dataset).lastPathComponent
        for ext in [".tar.gz", ".tgz", ".tar"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        return name.isEmpty ? dataset : name
    }
}

/// A bad experiment file or preset.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
