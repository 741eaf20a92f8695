import Foundation

/// A pointer that may cross into concurrent work. Each task writes a disjoint range; that
/// discipline, not the compiler, is what makes the sharing safe.
struct SharedPointer<Pointee>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Pointee>
}

/// A value shared by concurrent tasks, read and written under a lock.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&stored) } }
}
