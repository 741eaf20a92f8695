import Dispatch

/// How a benchmark times one pass: warm, the best of `repeats + 1` runs back to back; or `cold`,
/// the median of `repeats + 1` runs each after `CacheFlush.evict()` (a training step's passes find
/// their operands out of cache, written by the passes before them).
package struct PassTiming: Sendable {
    package let repeats: Int, cold: Bool

    package init(repeats: Int, cold: Bool) { self.repeats = repeats; self.cold = cold }

    /// Seconds of `body`.
    package func seconds(_ body: () -> Void) -> Double { seconds(prepare: {}, { body() }) }

    /// Seconds of `body`: each run calls `prepare` untimed (before the flush), then times `body`
    /// on what it made.
    package func seconds<Prepared>(prepare: () -> Prepared, _ body: (Prepared) -> Void) -> Double {
        var runs: [Double] = []
        for _ in 0...max(0, repeats) {
            let prepared = prepare()
            if cold { CacheFlush.evict() }
            let start = DispatchTime.now().uptimeNanoseconds
            body(prepared)
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        runs.sort()
        return cold ? runs[runs.count / 2] : runs[0]
    }
}
