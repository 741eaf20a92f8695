import Foundation

/// A learning rate as a function of the optimizer step (0 for the first step).
/// Schedules compose: `Warmup(steps: 500, then: Cosine(...))`.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

/// The same rate throughout.
public struct ConstantSchedule: LearningRateSchedule {
    public let base: Float
    public init(_ base: Float) { self.base = base }
    public func learningRate(at step: Int) -> Float { base }
}

/// `base * gamma^k` after the k-th milestone (`MultiStepLR`); milestones in steps.
public struct MultiStepSchedule: LearningRateSchedule {
    public let base: Float, milestones: [Int], gamma: Float
    public init(base: Float, milestones: [Int], gamma: Float = 0.1) {
        self.base = base; self.milestones = milestones.sorted(); self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Float {
        base * Float(pow(Double(gamma), Double(milestones.filter { step >= $0 }.count)))
    }
}

/// Cosine annealing from `base` to `minimum` over `totalSteps` (`CosineAnnealingLR` stepped per batch).
public struct CosineSchedule: LearningRateSchedule {
    public let base: Float, totalSteps: Int, minimum: Float
    public init(base: Float, totalSteps: Int, minimum: Float = 0) {
        self.base = base; self.totalSteps = max(1, totalSteps); self.minimum = minimum
    }
    public func learningRate(at step: Int) -> Float {
        let t = Double(min(step, totalSteps)) / Double(totalSteps)
        return minimum + (base - minimum) * Float((1 + cos(Double.pi * t)) / 2)
    }
}

/// Linear warm-up from `startFactor * inner(0)` to the inner schedule over `steps`, then the inner
/// schedule shifted so it starts where warm-up ends.
public struct WarmupSchedule: LearningRateSchedule {
    public let steps: Int, startFactor: Float, inner: any LearningRateSchedule
    public init(steps: Int, startFactor: Float = 0.1, then inner: any LearningRateSchedule) {
        self.steps = steps; self.startFactor = startFactor; self.inner = inner
    }
    public func learningRate(at step: Int) -> Float {
        if step >= steps { return inner.learningRate(at: step - steps) }
        let f = startFactor + (1 - startFactor) * Float(step) / Float(max(1, steps))
        return f * inner.learningRate(at: 0)
    }
}
