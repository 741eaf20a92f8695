import Testing
@testable import FunnelTrain

/// `bench train`'s result keeps every timed step, so steps that alternate between two times show
/// (a median hides them); the summary figures are those steps' own.
@Suite struct TrainBenchmarkStepTimesTests {
    @Test func resultKeepsEveryTimedStepAndItsFiguresComeFromThem() throws {
        let r = try TrainBenchmark.measure(model: "resnet20", act: "relu", batchSize: 2, steps: 3)
        #expect(r.stepSeconds.count == 3)
        #expect(r.stepSeconds.allSatisfy { $0 > 0 })
        #expect(r.stepSecondsMedian == r.stepSeconds.sorted()[1])
        #expect(r.stepSecondsMin == r.stepSeconds.min())
        #expect(abs(r.imagesPerSecond - 2 / r.stepSeconds.sorted()[1]) < 1e-9 * r.imagesPerSecond)
    }
}
