import Foundation
import FunnelKernels

/// Where a training step's time goes: per op kind, the seconds of its forward and backward passes,
/// its calls and the bytes of the tensors it read and wrote, recorded while `record` runs
/// (`funnel bench train --profile`).
///
/// Forward time is measured between consecutive ops: an op's figure is the time since the previous
/// op finished (or since `mark()`), so work that no op records (a module's bookkeeping, copies)
/// counts toward the op after it. Ops run without grad (helpers inside an op) count as part of it. Backward time is each op's backward rule, plus the sums where a
/// tensor fed several ops (`grad accumulation`; `, broadcast` where one share is compact, as a mean's). Bytes are the float32 tensors an op reads and
/// writes, each counted once (forward: inputs and output; backward: the output's gradient, the
/// inputs and their gradients): a lower bound of its memory traffic, good for spotting passes
/// that move much and compute little. Convolutions are told apart by kernel and input channels
/// (`conv3x3 16ch`, `depthwise3x3 64ch`), since their costs differ by orders of magnitude.
///
/// Ops made of several passes over their tensors (FReLU's funnel op, batch norm) also time each
/// pass (`timePass`): `passTable` lists them by op and pass, inside the op's own figure.
///
/// Records one thread's ops; a profile is meant for one training loop at a time.
public final class OpProfile: @unchecked Sendable {
    @TaskLocal public static var current: OpProfile?

    public enum Pass: String, Codable, Sendable { case forward, backward, update }

    /// One op kind in one pass.
    public struct Entry: Codable, Sendable, Equatable {
        public var op: String
        public var pass: Pass
        public var seconds: Double
        public var calls: Int
        public var bytes: Int
    }

    /// One pass of a multi-pass op, as `timePass` names it.
    public struct PassEntry: Codable, Sendable, Equatable {
        /// The op kind (`kind`), with what the op adds to its input (`+ residual`).
        public var op: String
        public var name: String
        public var seconds: Double
        public var calls: Int
    }

    private struct Key: Hashable { let op: String; let pass: Pass }
    private var entries: [Key: Entry] = [:]
    private var order: [Key] = []
    private var passes: [String: PassEntry] = [:]
    private var passOrder: [String] = []
    private var lastMark = OpProfile.clock()

    public init() {}

    /// Everything recorded, most expensive first.
    public var table: [Entry] { order.map { entries[$0]! }.sorted { $0.seconds > $1.seconds } }

    /// The passes timed inside ops, in the order first seen (an op's passes in the order they run).
    public var passTable: [PassEntry] { passOrder.map { passes[$0]! } }

    /// The op table and the pass table per step, for a profile that recorded `steps` alike.
    public func perStep(of steps: Int) -> (table: [Entry], passes: [PassEntry]) {
        let n = Double(steps)
        return (table.map { Entry(op: $0.op, pass: $0.pass, seconds: $0.seconds / n, calls: $0.calls / steps, bytes: $0.bytes / steps) },
                passTable.map { PassEntry(op: $0.op, name: $0.name, seconds: $0.seconds / n, calls: $0.calls / steps) })
    }

    /// Seconds recorded in all.
    public var totalSeconds: Double { entries.values.reduce(0) { $0 + $1.seconds } }

    /// Restarts the forward clock: the next op's time counts from now.
    public func mark() { lastMark = Self.clock() }

    /// Adds time spent outside the tape (the optimizer's update, say).
    public func add(_ op: String, pass: Pass, seconds: Double, bytes: Int) {
        let key = Key(op: op, pass: pass)
        if entries[key] == nil { order.append(key); entries[key] = Entry(op: op, pass: pass, seconds: 0, calls: 0, bytes: 0) }
        entries[key]!.seconds += seconds
        entries[key]!.calls += 1
        entries[key]!.bytes += bytes
    }

    /// Runs `body`, one pass of a multi-pass op, and adds its time to the pass table when a profile
    /// is recording (`op` is only built then).
    @inline(__always)
    public static func timePass<R>(_ op: @autoclosure () -> String, _ name: String, _ body: () -> R) -> R {
        guard let profile = current else { return body() }
        let started = clock()
        let result = body()
        profile.addPass(op(), name, seconds: seconds(since: started))
        return result
    }

    private func addPass(_ op: String, _ name: String, seconds: Double) {
        let key = op + "\u{0}" + name
        if passes[key] == nil { passOrder.append(key); passes[key] = PassEntry(op: op, name: name, seconds: 0, calls: 0) }
        passes[key]!.seconds += seconds
        passes[key]!.calls += 1
    }

    /// Runs `body` with this profile recording.
    public func record<R>(_ body: () throws -> R) rethrows -> R {
        try Self.$current.withValue(self) {
            mark()
            return try body()
        }
    }

    /// An op finished its forward pass (called from `Tensor.recording`).
    func forward(_ name: String, inputs: [Tensor], output: Tensor) {
        let bytes = 4 * (inputs.reduce(output.count) { $0 + $1.count })
        add(Self.kind(name, inputShapes: inputs.map(\.shape)), pass: .forward, seconds: Self.seconds(since: lastMark), bytes: bytes)
        lastMark = Self.clock()
    }

    /// Runs and times one backward rule and records it under the op's kind.
    func backward(_ name: String, inputShapes: [[Int]], gradOutput: Tensor, _ rule: () -> [Tensor?]) -> [Tensor?] {
        let started = Self.clock()
        let grads = rule()
        let seconds = Self.seconds(since: started)
        let elements = gradOutput.count + inputShapes.reduce(0) { $0 + $1.reduce(1, *) } + grads.reduce(0) { $0 + ($1?.count ?? 0) }
        add(Self.kind(name, inputShapes: inputShapes), pass: .backward, seconds: seconds, bytes: 4 * elements)
        return grads
    }

    /// Nanoseconds of the monotonic clock.
    static func clock() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Seconds from `started` (a `clock()` reading) to now.
    static func seconds(since started: UInt64) -> Double { Double(clock() - started) * 1e-9 }

    /// The name an op is listed under: convolutions by kernel and input channels, others by name.
    static func kind(_ name: String, inputShapes: [[Int]]) -> String {
        guard name == "conv2d" || name == "funnel", inputShapes.count >= 2, inputShapes[0].count == 4, inputShapes[1].count == 4 else { return name }
        let channels = inputShapes[0][1], w = inputShapes[1]
        let depthwise = w[1] == 1 && channels > 1
        let conv = (depthwise ? "depthwise" : "conv") + "\(w[2])x\(w[3]) \(channels)ch"
        return name == "funnel" ? "funnel (\(conv))" : conv
    }
}
