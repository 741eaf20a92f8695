import Foundation
import Testing
@testable import FunnelKernels

/// Workers started side by side under OpenMP binding each get a slice of the CPUs to bind within.
@Suite struct OpenMPPlacesTests {
    @Test func slicesSplitTheCPUsIntoConsecutiveEvenParts() {
        #expect(OpenMPPlaces.slices(of: [0, 1, 2, 3], 2) == [[0, 1], [2, 3]])
        #expect(OpenMPPlaces.slices(of: [0, 1, 2, 3, 4, 5, 6], 3) == [[0, 1], [2, 3], [4, 5, 6]])
        // CPUs as the places list them, gaps included (a Slurm allocation of CPUs 4-7 and 12).
        #expect(OpenMPPlaces.slices(of: [4, 5, 6, 7, 12], 2) == [[4, 5], [6, 7, 12]])
        #expect(OpenMPPlaces.slices(of: [0, 1], 1) == [[0, 1]])
    }

    @Test func moreSlicesThanCPUsShareThemInTurn() {
        #expect(OpenMPPlaces.slices(of: [0, 1], 5) == [[0], [1], [0], [1], [0]])
    }

    @Test func withoutPlacesNothingIsSliced() {
        #expect(OpenMPPlaces.slices(of: [], 4).isEmpty)
        #expect(OpenMPPlaces.slices(of: [0, 1], 0).isEmpty)
    }

    /// The test process has no binding (no OMP_PROC_BIND), so its compute threads see every CPU the
    /// process may use, and starting a process leaves the calling thread's affinity as it was.
    @Test func unboundLeavesTheCallingThreadAsItWas() throws {
        let before = try #require(CPUMask.ofCallingThread())
        let first = try #require(before.cpus.first)
        OpenMPPlaces.unbound { }
        OpenMPPlaces.confined(to: [Int32(first)]) {
            #expect(CPUMask.ofCallingThread()?.cpus == [first])
        }
        #expect(CPUMask.ofCallingThread()?.cpus == before.cpus)
        #expect(before.count == before.cpus.count)
    }
}
