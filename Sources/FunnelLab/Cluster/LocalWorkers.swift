import Foundation
import FunnelKernels
import FunnelTrain

/// Worker processes on this machine: `funnel experiment work` or `funnel sweep agent`, started
/// side by side with the cores split between them. The processes coordinate through the run store
/// alone (claims under a lease), exactly as workers on other machines do, so this is only the
/// one-machine way to start them.
public struct LocalWorkers {
    /// Worker processes to run.
    public var jobs: Int
    /// Cores to split between them (each gets `cores / jobs` threads, at least one).
    public var cores: Int
    /// The program to start (normally this process's own executable).
    public var executable: URL

    public init(jobs: Int, cores: Int, executable: URL) {
        self.jobs = max(1, jobs)
        self.cores = cores
        self.executable = executable
    }

    /// Threads each worker gets.
    public var threadsPerWorker: Int { max(1, cores / jobs) }

    /// Starts the workers (`arguments(threads)` each), reports `progress()` every five seconds
    /// until all have exited, and passes a stop request on to them (SIGTERM: they checkpoint and
    /// give their work back). Returns how many exited with an error.
    public func run(arguments: (Int) -> [String], stop: StopRequest? = nil, progress: () throws -> String,
                    report: (String) -> Void) throws -> Int {
        var processes: [Process] = []
        defer {
            // Never leave a worker behind.
            for p in processes where p.isRunning { p.terminate() }
            for p in processes { p.waitUntilExit() }
        }
        // Under OpenMP binding each worker gets its own CPUs (else every one binds to the first).
        let slices = OpenMPPlaces.slices(jobs)
        for k in 0..<jobs {
            let p = Process()
            p.executableURL = executable
            p.arguments = arguments(threadsPerWorker)
            p.standardOutput = FileHandle.nullDevice
            try OpenMPPlaces.confined(to: slices.isEmpty ? [] : slices[k]) { try p.run() }
            processes.append(p)
        }
        var forwarded = false
        while processes.contains(where: \.isRunning) {
            for _ in 0..<10 where stop?.isRequested != true { Thread.sleep(forTimeInterval: 0.5) }
            if let why = stop?.requested, !forwarded {
                report("\(why): stopping the workers (they checkpoint and give their work back)")
                for p in processes where p.isRunning { p.terminate() }
                forwarded = true
            }
            report(try progress())
        }
        return processes.filter { $0.terminationStatus != 0 }.count
    }
}
