import FunnelNN

/// Where a model puts the chosen activation; the paper's placement ablations.
public struct Placement: Sendable, Equatable {
    /// Which bottleneck ReLUs are replaced (basic blocks have only "3x3" slots).
    public enum Slots: String, Codable, CaseIterable, Sendable { case all, after1x1, after3x3 }

    /// 1-based stages (residual layers) that use the activation; `nil` is every stage and the stem.
    /// Stages not listed, and the stem when a list is given, keep ReLU.
    public var stages: Set<Int>?
    public var slots: Slots
    /// Adds a squeeze-and-excitation block (reduction 16) to every residual block.
    public var squeezeExcitation: Bool

    public init(stages: Set<Int>? = nil, slots: Slots = .all, squeezeExcitation: Bool = false) {
        self.stages = stages; self.slots = slots; self.squeezeExcitation = squeezeExcitation
    }

    public static let everywhere = Placement()
}

/// What a model predicts: one class per image, or one class per pixel.
public enum ModelTask: String, Codable, CaseIterable, Sendable {
    /// Logits `[N, classes]`.
    case classify
    /// Logits `[N, classes, H, W]` at the input's size (semantic segmentation).
    case segment
}

/// Everything needed to build a model: the architecture name, task, classes, activation and placement.
public struct ModelConfig: Sendable {
    public var name: String
    public var classes: Int
    public var activation: ActivationFactory
    public var placement: Placement
    /// Whether the model classifies images or segments them (a CIFAR ResNet then is the backbone).
    public var task: ModelTask
    /// Segmentation: the backbone's last stage keeps its input's resolution, with dilated 3x3
    /// convolutions instead of a stride of 2 (halves the output stride).
    public var dilated: Bool

    public init(name: String, classes: Int = 10, activation: ActivationFactory, placement: Placement = .everywhere,
                task: ModelTask = .classify, dilated: Bool = false) {
        self.name = name; self.classes = classes; self.activation = activation; self.placement = placement
        self.task = task; self.dilated = dilated
    }

    /// The activation for a slot: the chosen one where the placement says so, ReLU elsewhere.
    /// Stages' slots name the convolution before them; `.all` is for the stem and heads (stage
    /// 0), which take the activation only when no stage list is given.
    func act(_ channels: Int, stage: Int, slot: Placement.Slots = .all) -> Module {
        let stageOK = placement.stages.map { stage > 0 && $0.contains(stage) } ?? true
        let slotOK = placement.slots == .all || slot == .all || placement.slots == slot
        return stageOK && slotOK ? activation(channels: channels) : Pointwise("relu", { $0.relu() })
    }
}
