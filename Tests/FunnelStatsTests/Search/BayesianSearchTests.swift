import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct BayesianSearchTests {
    /// Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; global minimum 0.397887 at (-π, 12.275), (π, 2.275)
    /// and (9.42478, 2.475) (Dixon & Szegő 1978; the standard constants a=1, b=5.1/(4π²), c=5/π, r=6, s=10, t=1/(8π)).
    static func branin(_ assignment: SweepAssignment) -> Double {
        let x1 = assignment["x1"]!.doubleValue!, x2 = assignment["x2"]!.doubleValue!
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let bowl = x2 - b * x1 * x1 + c * x1 - 6
        return bowl * bowl + 10 * (1 - t) * cos(x1) + 10
    }

    static let braninSpace = [
        SweepParameter(name: "x1", domain: .range(ParameterRange(min: -5, max: 10, distribution: .uniform))),
        SweepParameter(name: "x2", domain: .range(ParameterRange(min: 0, max: 15, distribution: .uniform))),
    ]

    /// The best value found by `search` in `budget` evaluations of `objective`, and where.
    static func bestFound(_ search: some SweepSearch, budget: Int, goal: OptimizationGoal = .minimize,
                          _ objective: (SweepAssignment) -> Double) -> (value: Double, at: SweepAssignment) {
        var history: [SweepObservation] = []
        for _ in 0..<budget {
            let next = search.suggest(history: history)!
            history.append(SweepObservation(assignment: next, metric: objective(next)))
        }
        let best = history.min { goal.isBetter($0.metric!, than: $1.metric!) }!
        return (best.metric!, best.assignment)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func braninBeatsRandomSearch(seed: UInt64) {
        let (bayes, _) = Self.bestFound(BayesianSearch(parameters: Self.braninSpace, goal: .minimize, seed: seed), budget: 40, Self.branin)
        let (random, _) = Self.bestFound(RandomSearch(parameters: Self.braninSpace, seed: seed), budget: 40, Self.branin)
        // 0.397887 is the minimum; random search with 40 draws typically stops between 0.5 and 3.
        #expect(bayes < 0.45, "bayes best \(bayes), random best \(random)")
        #expect(bayes < random, "bayes best \(bayes), random best \(random)")
    }

    @Test func findsBestCategoryAndItsLearningRate() {
        // Loss = offset of the activation + (log10 lr + 2.5)²: best is frelu at lr = 10^-2.5 ≈ 0.00316.
        let space = [
            SweepParameter(name: "act", domain: .categorical(["relu", "mish", "frelu", "swish"], probabilities: nil)),
            SweepParameter(name: "lr", domain: .range(ParameterRange(min: 1e-4, max: 1e-1, distribution: .logUniformValues))),
            SweepParameter(name: "epochs", domain: .constant(50)),
        ]
        let offsets: [String: Double] = ["relu": 0.5, "mish": 0.3, "frelu": 0.0, "swish": 0.4]
        func loss(_ assignment: SweepAssignment) -> Double {
            let lr = assignment["lr"]!.doubleValue!
            return offsets[assignment["act"]!.stringValue!]! + (log10(lr) + 2.5) * (log10(lr) + 2.5)
        }
        // Maximising the negated loss also checks the goal's orientation.
        let search = BayesianSearch(parameters: space, goal: .maximize, seed: 4)
        let (best, assignment) = Self.bestFound(search, budget: 25, goal: .maximize) { -loss($0) }
        #expect(assignment["act"] == "frelu")
        #expect(assignment["epochs"] == 50)
        #expect(-best < 0.05, "best loss \(-best) at \(assignment)")
    }

    @Test func startsWithRandomDrawsAndNeverRepeatsADiscretePoint() {
        let space = [SweepParameter(name: "batch_size", domain: .categorical([64, 128, 256], probabilities: nil)),
                     SweepParameter(name: "optimizer", domain: .categorical(["adam", "sgd"], probabilities: nil))]
        let search = BayesianSearch(parameters: space, goal: .minimize, seed: 9, options: .init(initialRandomRuns: 2))
        let first = search.suggest(history: [])
        #expect(first == RandomSearch(parameters: space, seed: 9).suggest(history: []))
        var history: [SweepObservation] = []
        for step in 0..<6 {
            let next = search.suggest(history: history)!
            if step >= 2 { #expect(!history.map(\.assignment).contains(next), "repeated \(next)") }
            history.append(SweepObservation(assignment: next, metric: Double(next["batch_size"]!.intValue!) / 64))
        }
    }

    @Test func expectedImprovementClosedForm() {
        // At mean = threshold, EI = s φ(0) = s / √(2π); with no uncertainty it is the plain gain.
        expectClose(BayesianSearch.expectedImprovement(mean: 1, variance: 4, below: 1), 2 / (2 * Double.pi).squareRoot(), tolerance: 1e-15)
        #expect(BayesianSearch.expectedImprovement(mean: 1, variance: 0, below: 3) == 2)
        #expect(BayesianSearch.expectedImprovement(mean: 3, variance: 0, below: 1) == 0)
    }
}
