import FunnelKernels

/// How a benchmark times one pass: warm, the best of `runs` runs back to back; or `cold`, the
/// median of `runs` runs each after `CacheFlush.evict()` (a training step's passes find their
/// operands out of cache, written by the passes before them). At least one run is made.
struct PassTiming {
    let runs: Int, cold: Bool

    /// Seconds of `body`.
    func seconds(_ body: () -> Void) -> Double { seconds(prepare: {}, { body() }) }

    /// Seconds of `body`: each run calls `prepare` untimed (before the flush), then times `body`
    /// on what it made.
    func seconds<Prepared>(prepare: () -> Prepared, _ body: (Prepared) -> Void) -> Double {
        let times = (0..<max(1, runs)).map { _ in
            let prepared = prepare()
            if cold { CacheFlush.evict() }
            return measureSeconds { body(prepared) }
        }
        return cold ? median(times) : times.min()!
    }
}
