import Foundation

/// The CPUs OpenMP may put compute threads on, and starting processes that may use all of them.
///
/// With `OMP_PROC_BIND` (or `OMP_PLACES`) set, as HPC sites and Slurm setups often have it,
/// libgomp binds the thread that loads it to the first OpenMP place as the library loads, before
/// `main` runs. A process started from that thread inherits that one place as its whole affinity:
/// `funnel`'s own re-execution (`OMP_WAIT_POLICY`), a benchmark's isolated configurations, an
/// experiment's local workers. Their libgomp then sees one CPU, and every compute thread shares it:
/// measured here, a ResNet-20 step took twice as long. Processes are therefore started with the
/// starting thread allowed on every place (`unbound`), workers side by side each on a slice of them
/// (`slices`), and benchmarks report the CPUs their compute threads could use (`computeCPUCount`).
package enum OpenMPPlaces {
    /// Every CPU of every OpenMP place: the affinity the process had when libgomp loaded. Empty when
    /// libgomp made no places (no binding asked for), and then nothing was narrowed.
    package static func cpus() -> [Int32] {
        guard let count = getNumPlaces, let procs = getPlaceNumProcs, let ids = getPlaceProcIDs else { return [] }
        var cpus: [Int32] = []
        for place in 0..<count() {
            var placeCPUs = [Int32](repeating: -1, count: Int(max(0, procs(place))))
            placeCPUs.withUnsafeMutableBufferPointer { if let base = $0.baseAddress { ids(place, base) } }
            cpus += placeCPUs.filter { $0 >= 0 }
        }
        return Array(Set(cpus)).sorted()
    }

    /// Runs `body` (which starts processes, or `exec`s) with the calling thread allowed on every
    /// OpenMP place's CPUs, then gives the thread its own affinity back. Without places it only
    /// runs `body`.
    package static func unbound<T>(_ body: () throws -> T) rethrows -> T {
        try confined(to: cpus(), keeping: true, body)
    }

    /// The places' CPUs split into `parts` slices of consecutive CPUs, as even as they go (a CPU
    /// serves several slices only when there are fewer CPUs than slices), for processes started side
    /// by side: each binds its threads within its own slice instead of all on the first CPU. Empty
    /// without places.
    package static func slices(_ parts: Int) -> [[Int32]] { slices(of: cpus(), parts) }

    static func slices(of cpus: [Int32], _ parts: Int) -> [[Int32]] {
        guard !cpus.isEmpty, parts > 0 else { return [] }
        if cpus.count < parts { return (0..<parts).map { [cpus[$0 % cpus.count]] } }
        return (0..<parts).map { k in Array(cpus[k * cpus.count / parts..<(k + 1) * cpus.count / parts]) }
    }

    /// Runs `body` with the calling thread allowed on `cpus` (with `keeping`, on its own CPUs as
    /// well), then gives it its own affinity back. With no CPUs it only runs `body`.
    package static func confined<T>(to cpus: [Int32], keeping: Bool = false, _ body: () throws -> T) rethrows -> T {
        guard !cpus.isEmpty, let own = CPUMask.ofCallingThread() else { return try body() }
        var mask = keeping ? own : CPUMask()
        for cpu in cpus { mask.insert(Int(cpu)) }
        mask.applyToCallingThread()
        defer { own.applyToCallingThread() }
        return try body()
    }

    /// How many CPUs the compute threads may run on together: the union of the affinity of each
    /// of them, asked from inside a parallel region of the compute pool. Fewer than the threads
    /// means threads share a core.
    package static func computeCPUCount() -> Int {
        let threads = computeThreadCount
        let masks = UnsafeMutableBufferPointer<CPUMask>.allocate(capacity: threads)
        masks.initialize(repeating: CPUMask())
        defer { _ = masks.deinitialize(); masks.deallocate() }
        parallelChunks(threads, minimumPerThread: 1) { range in
            guard let own = CPUMask.ofCallingThread() else { return }
            for t in range { masks[t] = own }
        }
        return masks.reduce(CPUMask()) { $0.union($1) }.count
    }

    // OpenMP 4.5's place queries, looked up at run time as the other libgomp entry points are (DNNL.swift).
    private static let getNumPlaces = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_num_places"),
                                                    to: (@convention(c) () -> Int32)?.self)
    private static let getPlaceNumProcs = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_place_num_procs"),
                                                        to: (@convention(c) (Int32) -> Int32)?.self)
    private static let getPlaceProcIDs = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_place_proc_ids"),
                                                       to: (@convention(c) (Int32, UnsafeMutablePointer<Int32>) -> Void)?.self)
}

/// A CPU affinity mask as words of bits, as `sched_getaffinity` fills it.
struct CPUMask {
    private var words = [UInt64](repeating: 0, count: 16)  // 1,024 CPUs, glibc's cpu_set_t

    init() {}

    /// The calling thread's affinity; nil where the call is missing or fails.
    static func ofCallingThread() -> CPUMask? {
        guard let get = getAffinity else { return nil }
        var mask = CPUMask()
        let status = mask.words.withUnsafeMutableBytes { get(0, $0.count, $0.baseAddress!) }
        return status == 0 ? mask : nil
    }

    /// Makes this the calling thread's affinity (pid 0 is the calling thread).
    func applyToCallingThread() {
        var words = self.words
        _ = words.withUnsafeMutableBytes { bytes in Self.setAffinity?(0, bytes.count, bytes.baseAddress!) }
    }

    mutating func insert(_ cpu: Int) {
        guard cpu >= 0, cpu / 64 < words.count else { return }
        words[cpu / 64] |= 1 << UInt64(cpu % 64)
    }

    func union(_ other: CPUMask) -> CPUMask {
        var result = self
        for i in words.indices { result.words[i] |= other.words[i] }
        return result
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The CPUs in the mask, in order.
    var cpus: [Int] { (0..<64 * words.count).filter { words[$0 / 64] & (1 << UInt64($0 % 64)) != 0 } }

    // glibc declares these only with _GNU_SOURCE, which Swift's Glibc module does not set.
    private typealias AffinityCall = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    private static let getAffinity = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity"), to: AffinityCall?.self)
    private static let setAffinity = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity"), to: AffinityCall?.self)
}
