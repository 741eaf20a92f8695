import Foundation
import FunnelData
import FunnelModels
import FunnelNN
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
        public var slots: Placement.Slots?
        public var se: Bool?
        public init(name: String, stages: [Int]? = nil, slots: Placement.Slots? = nil, se: Bool? = nil) {
            self.name = name; self.stages = stages; self.slots = slots; self.se = se
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name, stages, slots, se }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try c.decode(String.self, forKey: .name), stages: try c.decodeIfPresent([Int].self, forKey: .stages),
                      slots: try c.decodeIfPresent(Placement.Slots.self, forKey: .slots), se: try c.decodeIfPresent(Bool.self, forKey: .se))
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, models, acts, datasets, seeds, recipe, variants }

    /// Decodes an experiment file; a key that is not one of `CodingKeys`, at any level, is an error.
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), models: try c.decode([String].self, forKey: .models),
                  acts: try c.decode([String].self, forKey: .acts), datasets: try c.decode([String].self, forKey: .datasets),
                  seeds: try c.decode([UInt64].self, forKey: .seeds), recipe: try c.decodeIfPresent(TrainConfig.self, forKey: .recipe) ?? TrainConfig(),
                  variants: try c.decodeIfPresent([Variant].self, forKey: .variants))
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
        do { self = try YAMLDecoder().decode(ExperimentSpec.self, from: text) } catch {
            throw ExperimentError("\(url.path): " + describeDecodingFailure(error, yaml: text))
        }
        do { try validate() } catch { throw ExperimentError("\(url.path): \(error)") }
    }

    /// Checks the whole grid before anything is queued or trained: it is non-empty, every model,
    /// activation and dataset resolves, and every cell's config is valid.
    public func validate() throws {
        for (field, list) in [("models", models), ("acts", acts), ("datasets", datasets)] where list.isEmpty {
            throw ExperimentError("experiment '\(name)': '\(field)' is empty")
        }
        if seeds.isEmpty { throw ExperimentError("experiment '\(name)': 'seeds' is empty") }
        if variants?.isEmpty == true { throw ExperimentError("experiment '\(name)': 'variants' is empty (leave it out for the recipe's placement alone)") }
        // A repeated entry names the same cell twice: the grid would hold one run where its author counted two.
        for (field, list) in [("models", models), ("acts", acts), ("datasets", datasets), ("seeds", seeds.map(String.init)),
                              ("variants", variants?.map(\.name) ?? [])] {
            if let repeated = firstRepeated(list) { throw ExperimentError("experiment '\(name)', \(field): '\(repeated)' is listed twice") }
        }
        for model in models {
            do { _ = try Models.entry(model) } catch { throw ExperimentError("experiment '\(name)', models: \(error)") }
        }
        for act in acts {
            do { _ = try Activations.factory(act) } catch { throw ExperimentError("experiment '\(name)', acts: \(error)") }
        }
        for dataset in datasets {
            // `scenes:SOURCE` generates segmentation scenes from SOURCE, which must exist.
            let source = dataset.hasPrefix(DatasetLoader.scenesPrefix) ? String(dataset.dropFirst(DatasetLoader.scenesPrefix.count)) : dataset
            if source != "synthetic" && !FileManager.default.fileExists(atPath: source) {
                throw ExperimentError("experiment '\(name)', datasets: '\(dataset)' is neither `synthetic` nor an existing file or folder"
                                      + (source == dataset ? "" : " after \(DatasetLoader.scenesPrefix)"))
            }
        }
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

    /// `../shared/datasets/cifar10-jpeg.tar.gz` -> `cifar10-jpeg`; `scenes:` before it -> `scenes-cifar10-jpeg`.
    static func shortName(_ dataset: String) -> String {
        if dataset.hasPrefix(DatasetLoader.scenesPrefix) { return "scenes-" + shortName(String(dataset.dropFirst(DatasetLoader.scenesPrefix.count))) }
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

/// A YAML decoding error in words: the key path, what was expected and the value found there.
func describeDecodingFailure(_ error: any Error, yaml: String) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    /// The scalar (or kind of node) at `keys` in the document.
    func found(at keys: [any CodingKey]) -> String {
        var node = try? Yams.compose(yaml: yaml)
        for key in keys {
            if let index = key.intValue { node = node?.sequence.flatMap { index < $0.count ? $0[index] : nil } }
            else { node = node?.mapping?[key.stringValue] }
        }
        switch node {
        case nil: return "nothing"
        case let .scalar(scalar)?: return scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" ? "null" : "'\(scalar.string)'"
        case .mapping?: return "a mapping"
        case .sequence?: return "a list"
        @unknown default: return "a node"
        }
    }
    switch error {
    case let error as UnknownKeyError: return error.description
    case let DecodingError.keyNotFound(key, context): return "missing field '\(path(context.codingPath + [key]))'"
    case let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context):
        return "field '\(path(context.codingPath))' should be \(typeName(type)), found \(found(at: context.codingPath))"
    case let DecodingError.dataCorrupted(context) where context.underlyingError != nil:
        // Yams wraps errors thrown while decoding (an unknown key, a bad option) in this one.
        return describeDecodingFailure(context.underlyingError!, yaml: yaml)
    case let DecodingError.dataCorrupted(context):
        return "field '\(path(context.codingPath))': \(context.debugDescription), found \(found(at: context.codingPath))"
    case let error as TrainError: return "recipe: \(error)"
    default: return "\(error)"
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is Int64.Type: "an integer"
    case is UInt64.Type: "an integer of at least 0"
    case is Float.Type, is Double.Type: "a number"
    case is Bool.Type: "true or false"
    case is String.Type: "a string"
    default: "\(type)"
    }
}
