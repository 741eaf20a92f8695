import CDNNL
import Foundation

/// Thrown when oneDNN rejects a call; names the call and oneDNN's status.
package struct DNNLError: Error, CustomStringConvertible {
    package let call: String
    package let status: dnnl_status_t
    package var description: String { "[oneDNN] \(call) failed with status \(status.rawValue)" }
}

/// Checks a oneDNN status. Stays in `-Ounchecked` builds, unlike `precondition`.
@inline(__always)
func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) {
    if status != dnnl_success {
        fatalError(DNNLError(call: call(), status: status).description)
    }
}

/// The process-wide CPU engine and stream. oneDNN's CPU primitives are thread-safe to execute.
package final class DNNLContext: @unchecked Sendable {
    package static let shared = DNNLContext()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    let executionLock = NSRecursiveLock()

    private init() {
        var e: dnnl_engine_t?
        check(dnnl_engine_create(&e, dnnl_cpu, 0), "dnnl_engine_create")
        engine = e!
        var s: dnnl_stream_t?
        check(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        stream = s!
    }

    /// The number of threads oneDNN's OpenMP runtime uses.
    package var threads: Int { Int(omp_threads()) }
}

// OpenMP comes in with libdnnl; its entry points are looked up at run time so that the package
// needs no link flag for libgomp (Debian ships no unversioned libgomp.so outside gcc's folder).
private let ompGetMaxThreads = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_max_threads"),
                                             to: (@convention(c) () -> Int32)?.self)
private let ompSetNumThreads = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads"),
                                             to: (@convention(c) (Int32) -> Void)?.self)
private func omp_threads() -> Int32 { ompGetMaxThreads?() ?? 1 }
private func omp_set_threads(_ n: Int32) { ompSetNumThreads?(n) }

/// Sets the number of compute threads (oneDNN's OpenMP pool and Funnel's own kernels).
package func setComputeThreads(_ n: Int) {
    omp_set_threads(Int32(max(1, n)))
    kernelThreads = max(1, n)
}

/// A dense float32 tensor layout as oneDNN sees it: logical dims and the physical stride of each.
public struct Layout: Hashable, Sendable {
    public var dims: [Int]
    public var strides: [Int]
    public init(dims: [Int], strides: [Int]) { self.dims = dims; self.strides = strides }

    /// Row-major strides for `dims`.
    public static func rowMajor(_ dims: [Int]) -> Layout {
        var strides = [Int](repeating: 1, count: dims.count)
        var s = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) { strides[i] = s; s *= dims[i] }
        return Layout(dims: dims, strides: strides)
    }

    /// The oneDNN memory descriptor of this layout.
    var md: dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        // oneDNN has no 0-d memory (a zero descriptor means "absent"): a scalar is one element of 1-D.
        let d = dims.isEmpty ? [1] : dims.map { Int64($0) }, s = dims.isEmpty ? [1] : strides.map { Int64($0) }
        check(dnnl_memory_desc_init_by_strides(&md, Int32(d.count), d, dnnl_f32, s), "memory_desc_init \(dims) \(strides)")
        return md
    }
}

/// A primitive made with the post-ops `append` adds (run after the primitive's own op, in its pass);
/// the attribute lives only while `make` runs.
func withPostOps(_ append: (dnnl_post_ops_t?) -> Void, make: (dnnl_primitive_attr_t?) -> Primitive) -> Primitive {
    var postOps: dnnl_post_ops_t?
    check(dnnl_post_ops_create(&postOps), "post_ops_create")
    append(postOps)
    var attr: dnnl_primitive_attr_t?
    check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
    check(dnnl_primitive_attr_set_post_ops(attr, postOps), "primitive_attr_set_post_ops")
    defer { dnnl_post_ops_destroy(postOps); dnnl_primitive_attr_destroy(attr) }
    return make(attr)
}

/// Descriptor with format `any`, so the primitive picks its preferred (blocked) layout.
func anyMD(_ dims: [Int]) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    check(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map { Int64($0) }, dnnl_f32, dnnl_format_tag_any), "memory_desc any \(dims)")
    return md
}

/// A created primitive with its descriptor. Cached per shape by `PrimitiveCache`.
final class Primitive: @unchecked Sendable {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let name: String

    /// Creates the primitive from an op descriptor (a pointer to one of oneDNN's `*_desc_t`).
    convenience init(desc: UnsafeRawPointer, attr: dnnl_primitive_attr_t? = nil, hint: Primitive? = nil, name: String) {
        var pd: dnnl_primitive_desc_t?
        let attr = Self.userScratchpad(attr)
        defer { dnnl_primitive_attr_destroy(attr) }
        check(dnnl_primitive_desc_create(&pd, desc, attr, DNNLContext.shared.engine, hint?.pd), "primitive_desc_create(\(name))")
        self.init(ownedPD: pd!, name: name)
    }

    /// Takes ownership of a primitive descriptor, made with `userScratchpad`, and creates its primitive.
    init(ownedPD: dnnl_primitive_desc_t, name: String = "") {
        self.name = name
        pd = ownedPD
        var p: dnnl_primitive_t?
        check(dnnl_primitive_create(&p, pd), "primitive_create")
        primitive = p!
        scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
        scratchpadBytes = mdBytes(scratchpad)
    }

    /// A copy of `attr` (or a new attribute) whose primitives take their scratch memory from the
    /// caller (`execute` passes a pooled buffer). oneDNN's own scratchpad lives in storage of the
    /// thread that made the primitive and is looked up in the executing thread's: a cached
    /// primitive run from another thread (parallel tests, worker threads) then read and wrote
    /// through another thread's smaller buffer or none. Winograd's large scratchpad crashed on it.
    static func userScratchpad(_ attr: dnnl_primitive_attr_t?) -> dnnl_primitive_attr_t? {
        var owned: dnnl_primitive_attr_t?
        if let attr { check(dnnl_primitive_attr_clone(&owned, attr), "primitive_attr_clone") }
        else { check(dnnl_primitive_attr_create(&owned), "primitive_attr_create") }
        check(dnnl_primitive_attr_set_scratchpad_mode(owned, dnnl_scratchpad_mode_user), "primitive_attr_set_scratchpad_mode")
        return owned
    }

    /// The scratch memory each execution needs (none when 0 bytes).
    private let scratchpad: dnnl_memory_desc_t
    private let scratchpadBytes: Int

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    /// The memory descriptor the primitive expects for a query (src, weights, workspace, ...).
    func md(_ what: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, index)!.pointee
    }

    /// The implementation oneDNN chose (e.g. `brgconv:avx512_core`).
    var implementation: String {
        var info: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info)
        return info.map { String(cString: $0) } ?? "?"
    }

    /// Bytes of a descriptor (0 when the primitive needs no such memory).
    func bytes(_ what: dnnl_query_t, _ index: Int32 = 0) -> Int {
        var m = md(what, index)
        return Int(dnnl_memory_desc_get_size(&m))
    }

    /// Runs the primitive on raw buffers; each argument is (oneDNN arg id, descriptor, pointer).
    func execute(_ args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)]) {
        let ctx = DNNLContext.shared
        ctx.executionLock.lock()
        defer { ctx.executionLock.unlock() }
        var memories: [dnnl_memory_t?] = []
        memories.reserveCapacity(args.count)
        var execArgs = [dnnl_exec_arg_t]()
        execArgs.reserveCapacity(args.count)
        let scratch = scratchpadBytes > 0 ? Buffer(count: (scratchpadBytes + 3) / 4) : nil
        let all = args + (scratch.map { [(DNNL_ARG_SCRATCHPAD, scratchpad, UnsafeMutableRawPointer($0.pointer))] } ?? [])
        for (id, desc, ptr) in all {
            var d = desc
            var m: dnnl_memory_t?
            check(dnnl_memory_create(&m, &d, ctx.engine, ptr), "memory_create")
            memories.append(m)
            execArgs.append(dnnl_exec_arg_t(arg: id, memory: m))
        }
        // One stream: executions are serialised. Each primitive already
        // uses every core through OpenMP, so callers on several threads lose nothing by waiting.
        let status = dnnl_primitive_execute(primitive, ctx.stream, Int32(execArgs.count), execArgs)
        if status != dnnl_success {
            let dims = args.map { a in withUnsafeBytes(of: a.1.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(a.1.ndims))) } }
            let want = args.map { a -> [Int64] in
                let m = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, a.0)!.pointee
                return withUnsafeBytes(of: m.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(m.ndims))) }
            }
            check(status, "primitive_execute(\(name)) wants \(want) args \(args.map { $0.0 }) dims \(dims)")
        }
        check(dnnl_stream_wait(ctx.stream), "stream_wait")
        for m in memories { dnnl_memory_destroy(m) }
        withExtendedLifetime(scratch) {}
    }
}

/// Primitives are created once per (kind, shape) key and reused: creation costs far more than a run.
/// Keys are hashable values, not text: describing a geometry as a string on every call cost more
/// than running a small primitive (a tenth of a batch-1 ResNet-20 forward pass).
final class PrimitiveCache: @unchecked Sendable {
    static let shared = PrimitiveCache()

    struct Key: Hashable, CustomStringConvertible {
        let kind: String
        let parts: [AnyHashable]
        var description: String { ([kind] + parts.map { "\($0)" }).joined(separator: "|") }
    }

    private var entries: [Key: Primitive] = [:]
    private let lock = NSLock()

    /// The primitive of `kind` for `parts` (the values that shape it), made by `make` the first time.
    func get(_ kind: String, _ parts: AnyHashable..., make: () -> Primitive) -> Primitive {
        let key = Key(kind: kind, parts: parts)
        DNNLContext.shared.executionLock.lock(); defer { DNNLContext.shared.executionLock.unlock() }
        lock.lock(); defer { lock.unlock() }
        if let p = entries[key] { return p }
        let p = make()
        entries[key] = p
        return p
    }

    func count(containing text: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        return entries.keys.filter { $0.description.contains(text) }.count
    }
}

/// Number of cached primitives whose key mentions `text` (e.g. a geometry), for tests of reuse.
package func cachedPrimitiveCount(containing text: String) -> Int { PrimitiveCache.shared.count(containing: text) }

/// A dictionary behind a lock, for caches shared by threads.
final class LockedDictionary<Key: Hashable, Value>: @unchecked Sendable {
    private var storage: [Key: Value] = [:]
    private let lock = NSLock()
    func withLock<R>(_ body: (inout [Key: Value]) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&storage) }
}

/// Memory descriptors compare equal when layouts match exactly.
func sameMD(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
    var a = a, b = b
    return dnnl_memory_desc_equal(&a, &b) != 0
}

func mdBytes(_ m: dnnl_memory_desc_t) -> Int {
    var m = m
    return Int(dnnl_memory_desc_get_size(&m))
}

/// Copies between two layouts of the same logical dims: between channels-last and 16-channel
/// blocks with `ChannelBlocks`, otherwise with a cached oneDNN reorder primitive.
func reorder(_ from: dnnl_memory_desc_t, _ src: UnsafeRawPointer, _ to: dnnl_memory_desc_t, _ dst: UnsafeMutableRawPointer,
             key: AnyHashable...) {
    if ChannelBlocks.copy(from, src, to, dst) { return }
    let p = PrimitiveCache.shared.get("reorder", AnyHashable(key)) {
        var pd: dnnl_primitive_desc_t?
        var f = from, t = to
        let e = DNNLContext.shared.engine
        let attr = Primitive.userScratchpad(nil)
        defer { dnnl_primitive_attr_destroy(attr) }
        check(dnnl_reorder_primitive_desc_create(&pd, &f, e, &t, e, attr), "reorder_primitive_desc_create")
        return Primitive(ownedPD: pd!)
    }
    p.execute([(DNNL_ARG_FROM, from, UnsafeMutableRawPointer(mutating: src)), (DNNL_ARG_TO, to, dst)])
}

