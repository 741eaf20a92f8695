import Foundation

/// What the report finds inside one trained FReLU model: its learned funnel kernels and where
/// its condition is taken on a few test images.
public struct FReLUInspection: Codable, Sendable {
    /// The kernels; nil when the checkpoint could not be read (see `kernelsError`).
    public let kernels: FReLUKernels?
    /// Why the kernels could not be read.
    public let kernelsError: String?
    /// Where the condition is taken; nil when the model could not be run (the analysis's
    /// omissions say why).
    public let condition: FReLUCondition?

    public init(kernels: FReLUKernels?, kernelsError: String?, condition: FReLUCondition?) {
        self.kernels = kernels
        self.kernelsError = kernelsError
        self.condition = condition
    }
}

/// The run a model inspection looked at, for the page to say which.
public struct InspectedRun: Codable, Sendable, Hashable {
    /// The run's name, e.g. `resnet20-frelu-s0`.
    public let name: String
    public let model: String
    public let study: ReportData.Study
    public let seed: Int
}

/// An inspection of one run's model, with the run.
public struct Inspected<Value: Codable & Sendable>: Codable, Sendable {
    public let run: InspectedRun
    public let value: Value
}
