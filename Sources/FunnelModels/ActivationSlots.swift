/// Where a model takes the configured activation, so that a placement naming a stage, a slot kind
/// or a block the model does not have is refused instead of building a network that still runs
/// ReLU there under the activation's name.
public struct ActivationSlots: Sendable {
    /// Residual stages that `Placement.stages` can name, 1 to this; 0 for a model that keeps ReLU
    /// everywhere whatever the configured activation (`pixel_mlp`).
    public let stages: Int
    /// The kinds of slot its stages have: `after3x3` for basic blocks, both for bottlenecks and
    /// MobileNet's separable blocks, `after1x1` for ShuffleNet's units.
    public let kinds: Set<Placement.Slots>
    /// Whether `Placement.squeezeExcitation` adds blocks (the ResNets' residual blocks).
    public let squeezeExcitation: Bool

    public init(stages: Int, kinds: Set<Placement.Slots>, squeezeExcitation: Bool) {
        self.stages = stages; self.kinds = kinds; self.squeezeExcitation = squeezeExcitation
    }

    /// Whether the model builds its activations from the configured one at all.
    public var takesActivation: Bool { stages > 0 }

    /// Throws for a placement that names what `model` does not have.
    public func check(_ placement: Placement, model: String) throws {
        if let stages = placement.stages {
            guard takesActivation else {
                throw PlacementError(field: "stages", expected: "none: \(model) keeps ReLU everywhere", found: Self.list(stages))
            }
            if stages.isEmpty {
                throw PlacementError(field: "stages", expected: "at least one of 1...\(self.stages) (an empty list leaves \(model) all ReLU)", found: "[]")
            }
            if stages.contains(where: { !(1...self.stages).contains($0) }) {
                throw PlacementError(field: "stages", expected: "stages of \(model) in 1...\(self.stages)", found: Self.list(stages))
            }
        }
        if placement.slots != .all && !kinds.contains(placement.slots) {
            let places = kinds.map { $0 == .after1x1 ? "after 1x1 convolutions" : "after 3x3 convolutions" }.sorted()
            let has = places.isEmpty ? "no activation slots" : "activations " + places.joined(separator: " and ") + " only"
            throw PlacementError(field: "slots", expected: "all (\(model) has \(has))", found: placement.slots.rawValue)
        }
        if placement.squeezeExcitation && !squeezeExcitation {
            throw PlacementError(field: "se", expected: "false (\(model) has no residual blocks to add squeeze-and-excitation to)", found: "true")
        }
    }

    private static func list(_ stages: Set<Int>) -> String { "[" + stages.sorted().map(String.init).joined(separator: ", ") + "]" }
}

/// A placement that names what the model does not have: the config field, what it may hold for
/// this model, and what it held.
public struct PlacementError: Error, CustomStringConvertible {
    public let field: String
    public let expected: String
    public let found: String

    public var description: String { "\(field) = \(found); expected \(expected)" }
}
