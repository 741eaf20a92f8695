import Foundation

/// Renews a lease from a thread of its own while the worker trains, so that a long data load or
/// a slow epoch never lets it run out. When a renewal is refused (the lease was lost: the worker
/// was cut off or paused past it and the work was claimed again), `lost` says why and the worker
/// stops at its next step without writing anything more.
public final class LeaseKeeper: @unchecked Sendable {
    /// The lease being kept.
    public let lease: WorkLease
    private let lock = NSLock()
    private var lostReason: String?
    private var thread: RepeatingThread?

    /// Starts renewing `lease` every `interval` seconds (by default a third of the lease).
    public init(store: RunStore, lease: WorkLease, interval: TimeInterval? = nil) {
        self.lease = lease
        thread = RepeatingThread(name: "funnel-lease", interval: interval ?? max(0.2, lease.seconds / 3)) { [self] in
            do {
                try store.heartbeat(lease)
            } catch let error as RunStoreError {
                if case .claimLost = error {
                    lock.withLock { lostReason = error.description }
                    return false
                }
                // Unreachable store: the backend already retried; keep trying while training goes on.
            } catch {}
            return true
        }
    }

    /// Why the lease was lost, or nil while it holds.
    public var lost: String? { lock.withLock { lostReason } }

    /// Stops renewing (when the work is done or given back).
    public func stop() { thread?.stop() }
}
