import Foundation
import FunnelTensor

/// One option an activation accepts, for validation, for `funnel acts` and for tests.
public struct ActivationOptionInfo: Sendable {
    public let name: String, values: String, summary: String
    /// A valid value other than the default, so that tests can walk every option of the registry.
    public let example: String
    public init(_ name: String, _ values: String, _ summary: String, example: String) {
        self.name = name; self.values = values; self.summary = summary; self.example = example
    }
}

/// Another name for an activation with some options preset (`frelu_b` is `frelu:cond=maxpool`),
/// with the name reports give it.
public struct ActivationAlias: Sendable {
    public let name: String
    /// The options the alias stands for.
    public let options: [String: String]
    /// How reports write the alias (or any spec with these options); nil: the entry's name.
    public let displayName: String?
    /// Its report colour (`#rrggbb`); nil: the entry's.
    public let color: String?

    public init(_ name: String, options: [String: String] = [:], displayName: String? = nil, color: String? = nil) {
        self.name = name; self.options = options; self.displayName = displayName; self.color = color
    }
}

/// Builds an activation layer for a channel count. It may still reject a count (FReLU's group norm
/// needs a divisor of it); every other option has been read and checked when it was made.
public typealias ActivationLayerBuilder = @Sendable (_ channels: Int) throws -> Module

/// A registry entry: its names, how reports show it, and how to build it from its options.
public struct ActivationEntry: Sendable {
    public let name: String
    /// How reports and tables write it, as its paper does (`FReLU`, `DY-ReLU-B`).
    public let displayName: String
    /// The colour reports draw it in (`#rrggbb`), so that it looks the same in every figure and
    /// every report; nil takes a free colour.
    public let color: String?
    /// Other names, some with options preset.
    public let variants: [ActivationAlias]
    public let summary: String
    /// Extra trainable parameters as a formula in C (channels), e.g. "9C + C + 2C".
    public let parametersPerLayer: String
    public let options: [ActivationOptionInfo]
    /// Whether it maps each element on its own (drawn by `funnel plot acts`).
    public let isPointwise: Bool
    /// Reads and checks the options, without building a layer or drawing random numbers.
    let configure: @Sendable (ActivationOptions) throws -> ActivationLayerBuilder

    /// Every other name of the activation.
    public var aliases: [String] { variants.map(\.name) }

    public init(name: String, displayName: String, color: String? = nil, variants: [ActivationAlias] = [], summary: String,
                parametersPerLayer: String = "0", options: [ActivationOptionInfo] = [], isPointwise: Bool = false,
                configure: @escaping @Sendable (ActivationOptions) throws -> ActivationLayerBuilder) {
        self.name = name; self.displayName = displayName; self.color = color; self.variants = variants; self.summary = summary
        self.parametersPerLayer = parametersPerLayer; self.options = options; self.isPointwise = isPointwise; self.configure = configure
    }

    /// Whether `name` is this activation's name or one of its aliases.
    public func answers(to name: String) -> Bool {
        self.name == name || variants.contains { $0.name == name }
    }
}

/// Builds one activation layer per call for a given channel count. Resolved (and validated) once
/// from a spec, then called by models for every activation slot.
public struct ActivationFactory: Sendable, CustomStringConvertible {
    public let spec: ActivationSpec
    let entry: ActivationEntry
    /// The spec's options over its alias's presets.
    let options: [String: String]
    let builder: ActivationLayerBuilder

    /// A new layer for `channels` channels.
    public func callAsFunction(channels: Int) -> Module {
        // Every option was checked when the factory was made; only a channel count that an option
        // cannot serve (group norm's groups) fails here, with the option named.
        do { return try builder(channels) }
        catch { fatalError("[\(spec)] at \(channels) channels: \(error)") }
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
        let (entry, options) = try resolve(spec, in: list)
        let builder = try entry.configure(ActivationOptions(activation: entry.name, values: options))
        return ActivationFactory(spec: spec, entry: entry, options: options, builder: builder)
    }

    /// The entry a spec names and its options over the alias's presets; checks the option names.
    static func resolve(_ spec: ActivationSpec, in list: [ActivationEntry]) throws -> (ActivationEntry, [String: String]) {
        guard let entry = list.first(where: { $0.answers(to: spec.name) }) else {
            throw ActivationError.unknownName(spec.name, valid: list.flatMap { [$0.name] + $0.aliases })
        }
        let validKeys = entry.options.map(\.name)
        for key in spec.options.keys where !validKeys.contains(key) {
            throw ActivationError.unknownOption(activation: entry.name, option: key, valid: validKeys)
        }
        let presets = entry.variants.first { $0.name == spec.name }?.options ?? [:]
        return (entry, presets.merging(spec.options) { _, explicit in explicit })
    }
}
