import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop soon and cleanly, raised by a signal (SIGTERM from Slurm's requeue or time
/// limit, SIGUSR1 from `sbatch --signal`, Ctrl-C) and polled by the training loop between steps.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?
    private var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// Why a stop was requested, or nil while none was.
    public var requested: String? { lock.withLock { reason } }

    /// Whether a stop was requested.
    public var isRequested: Bool { requested != nil }

    /// Requests a stop (the first reason given is kept).
    public func request(_ why: String) {
        lock.withLock { if reason == nil { reason = why } }
    }

    /// Turns `signals` into stop requests instead of their default action (termination). A second
    /// Ctrl-C still ends the process at once. SIGPIPE is ignored: a run whose output's reader has
    /// gone (`funnel train 2>&1 | head`) trains on, its progress lines dropped, rather than die
    /// with its run marked running.
    public func catchSignals(_ signals: [Int32] = [SIGTERM, SIGUSR1, SIGINT]) {
        signal(SIGPIPE, SIG_IGN)
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if number == SIGINT && self.isRequested { exit(130) }
                self.request(Self.name(of: number))
            }
            source.resume()
            sources.append(source)
        }
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGUSR1: "SIGUSR1"
        case SIGINT: "SIGINT"
        default: "signal \(signal)"
        }
    }
}
