import Testing
import FunnelKernels

/// Expects `result()` to give the same bits on all compute threads and on one (set for this task
/// alone, `TaskSettings`): what a reduction over fixed pieces of the batch promises.
func expectSameOnOneThread(_ result: () throws -> [Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let all = try result()
    #expect(try TaskSettings.$computeThreads.withValue(1) { try result() } == all, sourceLocation: sourceLocation)
}
