import Foundation
import FunnelTensor

/// One option an activation accepts, for validation and for `funnel acts`.
public struct ActivationOptionInfo: Sendable {
    public let name: String, values: String, summary: String
    public init(_ name: String, _ values: String, _ summary: String) { self.name = name; self.values = values; self.summary = summary }
}

/// A registry entry: how to build an activation for `C` channels from its options.
public struct ActivationEntry: Sendable {
    public let name: String
    public let aliases: [String]
    public let summary: String
    /// Extra trainable parameters as a formula in C (channels), e.g. "9C + C + 2C".
    public let parametersPerLayer: String
    public let options: [ActivationOptionInfo]
    /// Whether it maps each element on its own (drawn by `funnel plot acts`).
    public let isPointwise: Bool
    let build: @Sendable (ActivationOptions, Int) throws -> Module

    public init(name: String, aliases: [String] = [], summary: String, parametersPerLayer: String = "0",
                options: [ActivationOptionInfo] = [], isPointwise: Bool = false,
                build: @escaping @Sendable (ActivationOptions, Int) throws -> Module) {
        self.name = name; self.aliases = aliases; self.summary = summary; self.parametersPerLayer = parametersPerLayer
        self.options = options; self.isPointwise = isPointwise; self.build = build
    }
}

/// Builds one activation layer per call for a given channel count. Resolved (and validated) once
/// from a spec, then called by models for every activation slot.
public struct ActivationFactory: Sendable, CustomStringConvertible {
    public let spec: ActivationSpec
    let entry: ActivationEntry
    let options: [String: String]

    /// A new layer for `channels` channels.
    public func callAsFunction(channels: Int) -> Module {
        // Options were validated when the factory was made; building cannot fail for valid channels.
        do { return try entry.build(ActivationOptions(activation: entry.name, values: options), channels) }
        catch { fatalError("[\(spec)] \(error)") }
    }

    public var description: String { spec.description }
    public var name: String { entry.name }
}

/// The only place that maps names to activations (timm's `create_act_layer`). Case-insensitive,
/// with aliases; new activations are added with `register(_:)`.
public enum Activations {
    nonisolated(unsafe) private static var entries: [ActivationEntry] = builtIn
    private static let lock = NSLock()

    /// Every registered activation, in registration order.
    public static var all: [ActivationEntry] { lock.withLock { entries } }

    /// Adds (or replaces, by name) an activation.
    public static func register(_ entry: ActivationEntry) {
        lock.withLock { entries = adding(entry, to: entries) }
    }

    /// `list` with `entry` appended, replacing any entry of its name: `register` without the global
    /// table, so tests can add an activation without other tests seeing it.
    static func adding(_ entry: ActivationEntry, to list: [ActivationEntry]) -> [ActivationEntry] {
        list.filter { $0.name != entry.name } + [entry]
    }

    /// Resolves a spec string (`"frelu:k=5"`) into a factory, validating name, options and values.
    public static func factory(_ text: String) throws -> ActivationFactory {
        try factory(ActivationSpec(parsing: text))
    }

    /// Resolves a parsed spec into a factory, validating name, options and values.
    public static func factory(_ spec: ActivationSpec) throws -> ActivationFactory {
        try factory(spec, in: all)
    }

    /// Resolves `spec` against the entries `list` instead of the registry.
    static func factory(_ spec: ActivationSpec, in list: [ActivationEntry]) throws -> ActivationFactory {
        guard let entry = list.first(where: { $0.name == spec.name || $0.aliases.contains(spec.name) }) else {
            throw ActivationError.unknownName(spec.name, valid: list.flatMap { [$0.name] + $0.aliases })
        }
        let validKeys = entry.options.map(\.name)
        for key in spec.options.keys where !validKeys.contains(key) {
            throw ActivationError.unknownOption(activation: entry.name, option: key, valid: validKeys)
        }
        let aliasPresets = spec.name == entry.name ? [:] : presets(for: spec.name)
        let merged = aliasPresets.merging(spec.options) { _, explicit in explicit }
        let factory = ActivationFactory(spec: spec, entry: entry, options: merged)
        // Build once for a small channel count so a bad value fails here, not inside a model.
        _ = try entry.build(ActivationOptions(activation: entry.name, values: merged), 8)
        return factory
    }

    /// Options an alias stands for (`frelu_b` -> `cond=maxpool`).
    static func presets(for alias: String) -> [String: String] {
        aliasPresets[alias] ?? [:]
    }

    static let aliasPresets: [String: [String: String]] = [
        "frelu_a": [:], "frelu_b": ["cond": "maxpool"], "frelu_c": ["cond": "avgpool"],
        "frelu_d": ["combine": "sum"], "frelu_e": ["combine": "relu"], "frelu_light": ["window": "1x3+3x1"],
        "dyrelu_a": ["variant": "a"], "dyrelu_b": ["variant": "b"], "dyrelu_c": ["variant": "c"],
        "silu": [:],
    ]
}
