import Testing
@testable import FunnelStats

@Suite struct GridSearchTests {
    static let parameters = [
        SweepParameter(name: "act", domain: .categorical(["relu", "mish", "swish", "frelu", "dyrelu_a", "dyrelu_b"], probabilities: nil)),
        SweepParameter(name: "optimizer", domain: .categorical(["adam", "sgd"], probabilities: nil)),
        SweepParameter(name: "batch_size", domain: .categorical([64, 128, 256], probabilities: nil)),
        SweepParameter(name: "epochs", domain: .constant(50)),
    ]

    @Test func enumeratesEveryCombinationInNestedOrder() {
        let grid = GridSearch(parameters: Self.parameters)
        #expect(grid.count == 6 * 2 * 3)
        // The last parameter varies fastest, the first slowest.
        #expect(grid.assignment(at: 0) == ["act": "relu", "optimizer": "adam", "batch_size": 64, "epochs": 50])
        #expect(grid.assignment(at: 1) == ["act": "relu", "optimizer": "adam", "batch_size": 128, "epochs": 50])
        #expect(grid.assignment(at: 3) == ["act": "relu", "optimizer": "sgd", "batch_size": 64, "epochs": 50])
        #expect(grid.assignment(at: 6) == ["act": "mish", "optimizer": "adam", "batch_size": 64, "epochs": 50])
        #expect(grid.assignment(at: 35) == ["act": "dyrelu_b", "optimizer": "sgd", "batch_size": 256, "epochs": 50])
    }

    @Test func suggestsInOrderThenStops() {
        let grid = GridSearch(parameters: Self.parameters)
        var history: [SweepObservation] = []
        while let next = grid.suggest(history: history) {
            #expect(next == grid.assignment(at: history.count))
            history.append(SweepObservation(assignment: next, metric: nil))
        }
        #expect(history.count == 36)
        #expect(Set(history.map(\.assignment)).count == 36)
    }

    @Test func fillsHolesLeftByARestart() {
        let grid = GridSearch(parameters: Self.parameters)
        let done = [grid.assignment(at: 0), grid.assignment(at: 2)].map { SweepObservation(assignment: $0, metric: 1) }
        #expect(grid.suggest(history: done) == grid.assignment(at: 1))
    }
}
