import Testing
@testable import FunnelTrain

@Suite struct PassTimingTests {
    /// Each timed run gets a value prepared for it alone, made before it and outside its time: a
    /// backward pass consumes its graph, so a graph reused by later runs would time nothing.
    @Test func everyRunTimesWhatItsOwnPreparationMade() {
        var events: [String] = []
        var made = 0
        let seconds = PassTiming(runs: 4, cold: false).seconds(prepare: { () -> Int in
            made += 1
            events.append("prepare \(made)")
            return made
        }) { value in events.append("run \(value)") }
        #expect(events == ["prepare 1", "run 1", "prepare 2", "run 2", "prepare 3", "run 3", "prepare 4", "run 4"])
        #expect(seconds >= 0)
    }
}
