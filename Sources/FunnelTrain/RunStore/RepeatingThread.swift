import Foundation

/// Calls `beat` every `interval` seconds from a thread of its own, until stopped or until `beat`
/// returns false: the heartbeats of leases and runs, which must go on while a step or a data load
/// holds the training thread.
final class RepeatingThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    init(name: String, interval: TimeInterval, beat: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in loop(interval, beat) }
        thread.name = name
        thread.start()
    }

    /// Stops the beats; one under way finishes.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func loop(_ interval: TimeInterval, _ beat: () -> Bool) {
        while true {
            condition.lock()
            let deadline = Date().addingTimeInterval(interval)
            while !stopped && Date() < deadline { _ = condition.wait(until: deadline) }
            let done = stopped
            condition.unlock()
            if done || !beat() { return }
        }
    }
}
