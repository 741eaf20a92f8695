import FunnelKernels

/// How a benchmark times one pass: warm, the best of `repeats + 1` runs back to back; or `cold`,
/// the median of `repeats + 1` runs each after `CacheFlush.evict()` (a training step's passes find
/// their operands out of cache, written by the passes before them).
struct PassTiming {
    let repeats: Int, cold: Bool

    /// Seconds of `body`.
    func seconds(_ body: () -> Void) -> Double { seconds(prepare: {}, { body() }) }

    /// Seconds of `body`: each run calls `prepare` untimed (before the flush), then times `body`
    /// on what it made.
    func seconds<Prepared>(prepare: () -> Prepared, _ body: (Prepared) -> Void) -> Double {
        let runs = (0...max(0, repeats)).map { _ in
            let prepared = prepare()
            if cold { CacheFlush.evict() }
            return measureSeconds { body(prepared) }
        }
        return cold ? median(runs) : runs.min()!
    }
}
