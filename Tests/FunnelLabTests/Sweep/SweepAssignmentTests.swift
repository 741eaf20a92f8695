import Testing
import FunnelStats
@testable import FunnelLab

@Suite struct SweepAssignmentTests {
    @Test func storageKeyIsCanonicalJSON() {
        let assignment: SweepAssignment = ["lr": 0.001, "act": "relu", "batch_size": 64, "nesterov": true]
        #expect(assignment.storageKey == #"{"act":"relu","batch_size":64,"lr":0.001,"nesterov":true}"#)
        // Insertion order does not matter.
        var other: SweepAssignment = [:]
        for key in ["nesterov", "batch_size", "act", "lr"] { other[key] = assignment[key] }
        #expect(other.storageKey == assignment.storageKey)
    }

    @Test func storageKeyRoundTripsTypes() throws {
        let assignment: SweepAssignment = [
            "int": 3, "whole": 3.0, "tiny": 1e-5, "huge": 2e20, "negative": -0.25,
            "word": "frelu", "numberText": "64", "boolText": "true", "quoted": "say \"hi\"\\ok\n", "unicode": "Matérn",
            "flag": false,
        ]
        let key = assignment.storageKey
        #expect(key.contains(#""whole":3.0"#) && key.contains(#""tiny":1.0e-05"#))
        #expect(try SweepAssignment(storageKey: key) == assignment)
    }

    @Test func badStorageKeyThrows() {
        #expect(throws: SweepConfigurationError.self) { try SweepAssignment(storageKey: "[1, 2]") }
        #expect(throws: SweepConfigurationError.self) { try SweepAssignment(storageKey: "{a: [1]}") }
    }

    @Test func valueAccessors() {
        #expect(SweepValue.int(3).doubleValue == 3)
        #expect(SweepValue.double(48.0).intValue == 48)
        #expect(SweepValue.double(0.5).intValue == nil)
        #expect(SweepValue.string("adam").doubleValue == nil)
        #expect(SweepValue.double(0.001).description == "0.001")
    }
}
