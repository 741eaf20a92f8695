import CKernels

/// Funnel's C kernels write an output past the caches (x86 non-temporal stores) when one thread's
/// chunk of it is large: an ordinary store first reads every line it writes, and a tensor that
/// large is read back from memory by the next op anyway (see `vectors.h`). Outputs read back only
/// after other passes stream at any size. Results are the same either way; the thresholds only
/// move work between the caches and memory.
package enum StreamingStores {
    /// Outputs whose per-thread chunk has at least this many bytes are streamed (8 MB by default).
    /// Tests set 0 to stream every aligned output and `Int.max` to stream none.
    package static var minimumBytes: Int {
        get { funnel_stream_min_bytes_get() }
        set { funnel_stream_min_bytes_set(newValue) }
    }

    /// The same for outputs read back only after other passes (FReLU's `t` and a residual block
    /// end's gradient of the residual): 0 by default, so they stream whenever they are aligned.
    package static var minimumBytesReadLater: Int {
        get { funnel_stream_read_later_min_bytes_get() }
        set { funnel_stream_read_later_min_bytes_set(newValue) }
    }
}
