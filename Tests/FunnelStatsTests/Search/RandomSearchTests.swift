import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct RandomSearchTests {
    static let parameters = [
        SweepParameter(name: "lr", domain: .range(ParameterRange(min: 1e-4, max: 1e-1, distribution: .logUniformValues))),
        SweepParameter(name: "dropout", domain: .range(ParameterRange(min: 0.1, max: 0.5, distribution: .uniform))),
        SweepParameter(name: "depth", domain: .range(ParameterRange(min: 2, max: 5, distribution: .intUniform))),
        SweepParameter(name: "width", domain: .range(ParameterRange(min: 16, max: 128, distribution: .qUniform, q: 16))),
        SweepParameter(name: "momentum", domain: .range(ParameterRange(min: -3, max: 0, distribution: .logUniform))),
        SweepParameter(name: "act", domain: .categorical(["relu", "frelu"], probabilities: [0.2, 0.8])),
        SweepParameter(name: "epochs", domain: .constant(50)),
    ]

    static func draws(seed: UInt64, count: Int) -> [SweepAssignment] {
        let search = RandomSearch(parameters: parameters, seed: seed)
        var history: [SweepObservation] = []
        for _ in 0..<count { history.append(SweepObservation(assignment: search.suggest(history: history)!, metric: nil)) }
        return history.map(\.assignment)
    }

    @Test func sameSeedSameRunsOtherSeedOtherRuns() {
        #expect(Self.draws(seed: 7, count: 20) == Self.draws(seed: 7, count: 20))
        #expect(Self.draws(seed: 7, count: 20) != Self.draws(seed: 8, count: 20))
        // Consecutive suggestions are not shifted copies of one stream.
        let runs = Self.draws(seed: 7, count: 3)
        #expect(runs[0]["lr"] != runs[1]["lr"] && runs[1]["lr"] != runs[2]["lr"])
    }

    @Test func drawsStayInRangeAndFollowTheirDistributions() {
        let runs = Self.draws(seed: 1, count: 2000)
        let lr = runs.map { $0["lr"]!.doubleValue! }
        #expect(lr.allSatisfy { $0 >= 1e-4 && $0 <= 1e-1 })
        // Log-uniform over three decades: about a third of the draws in each.
        for decade in [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 1e-1)] {
            let share = Double(lr.filter { $0 >= decade.0 && $0 < decade.1 }.count) / Double(lr.count)
            #expect(abs(share - 1.0 / 3) < 0.05, "share of [\(decade.0), \(decade.1)) is \(share)")
        }
        let dropout = runs.map { $0["dropout"]!.doubleValue! }
        #expect(dropout.allSatisfy { $0 >= 0.1 && $0 <= 0.5 })
        expectClose(dropout.reduce(0, +) / Double(dropout.count), 0.3, tolerance: 0.01, absolute: true)
        let depths = runs.map { $0["depth"]! }
        #expect(Set(depths) == [2, 3, 4, 5])
        let widths = Set(runs.map { $0["width"]!.doubleValue! })
        #expect(widths.isSubset(of: Set(stride(from: 16.0, through: 128, by: 16))) && widths.count == 8)
        let momentum = runs.map { $0["momentum"]!.doubleValue! }
        #expect(momentum.allSatisfy { $0 >= exp(-3) && $0 <= 1 })
        let frelu = Double(runs.filter { $0["act"] == "frelu" }.count) / Double(runs.count)
        expectClose(frelu, 0.8, tolerance: 0.03, absolute: true)
        #expect(runs.allSatisfy { $0["epochs"] == 50 })
    }

    @Test func unitPositionInvertsValue() {
        for parameter in Self.parameters {
            guard case let .range(range) = parameter.domain, range.q == nil else { continue }
            for u in [0.05, 0.4, 0.9] {
                expectClose(range.unit(of: range.value(atUnit: u)), u, tolerance: range.distribution == .intUniform ? 0.125 : 1e-12, absolute: true)
            }
        }
    }
}
