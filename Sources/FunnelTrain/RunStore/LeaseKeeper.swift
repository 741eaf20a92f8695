import Foundation

/// Renews a lease from a thread of its own while the worker trains, so that a long data load or
/// a slow epoch never lets it run out. When a renewal is refused (the lease was lost: the worker
/// was cut off or paused past it and the work was claimed again), `lost` says why and the worker
/// stops at its next step without writing anything more.
public final class LeaseKeeper: @unchecked Sendable {
    /// The lease being kept.
    public let lease: WorkLease
    private let store: RunStore
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var stopped = false
    private var lostReason: String?

    /// Starts renewing `lease` every `interval` seconds (by default a third of the lease).
    public init(store: RunStore, lease: WorkLease, interval: TimeInterval? = nil) {
        self.store = store
        self.lease = lease
        self.interval = interval ?? max(0.2, lease.seconds / 3)
        let thread = Thread { [self] in loop() }
        thread.name = "funnel-lease"
        thread.start()
    }

    /// Why the lease was lost, or nil while it holds.
    public var lost: String? { condition.withLock { lostReason } }

    /// Stops renewing (when the work is done or given back).
    public func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            let deadline = Date().addingTimeInterval(interval)
            while !stopped && Date() < deadline { _ = condition.wait(until: deadline) }
            let done = stopped
            condition.unlock()
            if done { return }
            do {
                try store.heartbeat(lease)
            } catch let error as RunStoreError {
                if case .claimLost = error {
                    condition.withLock { lostReason = error.description; stopped = true }
                    return
                }
                // Unreachable store: the backend already retried; keep trying while training goes on.
            } catch {}
        }
    }
}
