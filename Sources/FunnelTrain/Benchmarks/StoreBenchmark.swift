import Foundation

/// What the run store costs a cluster: how many cells workers can claim per second, and what a
/// worker's store traffic adds to each epoch it trains.
public enum StoreBenchmark {
    /// Claim throughput with `workers` concurrent workers, each on a connection of its own.
    public struct Claims: Codable, Sendable {
        public var workers: Int
        /// Cells claimed and completed (one claim transaction and one completion each).
        public var cells: Int
        public var seconds: Double
        public var claimsPerSecond: Double
        /// Cells claimed more than once: must be 0.
        public var duplicates: Int
        /// Workers that found nothing to claim while cells were still pending: must be 0.
        public var earlyExits: Int
    }

    /// Median latency of the store calls a worker makes while it trains, and what they add up to per epoch.
    public struct WorkerCosts: Codable, Sendable {
        public var heartbeatMilliseconds: Double
        public var epochRecordMilliseconds: Double
        public var checkpointRecordMilliseconds: Double
        public var leaseCheckMilliseconds: Double
        /// The epoch length the per-epoch figures assume.
        public var epochSeconds: Double
        /// Heartbeats in such an epoch (one every third of the lease).
        public var heartbeatsPerEpoch: Double
        /// Store time per epoch: its record, the checkpoint check and record, and the heartbeats.
        public var storeMillisecondsPerEpoch: Double
        /// That time as a fraction of the epoch (heartbeats run on their own thread, so this bounds
        /// the slowdown from above).
        public var fractionOfEpoch: Double
    }

    public struct Report: Codable, Sendable {
        public var store: String
        public var host: String
        public var cores: Int
        public var claims: [Claims]
        public var costs: WorkerCosts
    }

    /// Runs both measurements on the store at `location` (use a scratch database: the benchmark
    /// leaves its cells and run there, under experiments named `bench-…`).
    public static func run(location: StoreLocation, workers: [Int], cellsPerWorker: Int, calls: Int, leaseSeconds: Double,
                           epochSeconds: Double, progress: (String) -> Void = { _ in }) throws -> Report {
        let tag = UUID().uuidString.prefix(8)
        var claims: [Claims] = []
        for count in workers {
            claims.append(try measureClaims(location: location, workers: count, cells: count * cellsPerWorker, experiment: "bench-claims-\(count)-\(tag)"))
            let c = claims.last!
            progress(String(format: "%2d workers: %d cells in %.2f s = %.0f claims/s", count, c.cells, c.seconds, c.claimsPerSecond))
        }
        let costs = try measureWorkerCosts(location: location, calls: calls, leaseSeconds: leaseSeconds, epochSeconds: epochSeconds,
                                           experiment: "bench-costs-\(tag)")
        progress(String(format: "heartbeat %.2f ms, epoch record %.2f ms, checkpoint record %.2f ms: %.1f ms per %.0f s epoch",
                        costs.heartbeatMilliseconds, costs.epochRecordMilliseconds, costs.checkpointRecordMilliseconds,
                        costs.storeMillisecondsPerEpoch, epochSeconds))
        return Report(store: location.description, host: ProcessInfo.processInfo.hostName,
                      cores: ProcessInfo.processInfo.activeProcessorCount, claims: claims, costs: costs)
    }

    static func measureClaims(location: StoreLocation, workers: Int, cells: Int, experiment: String) throws -> Claims {
        let setup = try RunStore(location)
        try setup.enqueueCells(experiment: experiment, (0..<cells).map { (key: "c\($0)", config: "{}") })
        let stores = try (0..<workers).map { _ in try RunStore(location) }  // connections opened before the clock starts
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        let results = Results(count: workers)
        for w in 0..<workers {
            done.enter()
            Thread {
                start.wait()
                var mine: [Int64] = [], early = false
                do {
                    while let (cell, lease) = try stores[w].claimCell(experiment: experiment, worker: "bench:\(w)") {
                        mine.append(cell.id)
                        try stores[w].completeCell(lease)
                    }
                    early = try stores[w].cellCounts(experiment: experiment)[.pending] != 0
                } catch {
                    results.fail(error)
                }
                results.set(w, mine, early: early)
                done.leave()
            }.start()
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<workers { start.signal() }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        if let error = results.error { throw error }
        let all = results.claimed.flatMap { $0 }
        return Claims(workers: workers, cells: all.count, seconds: seconds, claimsPerSecond: Double(all.count) / seconds,
                      duplicates: all.count - Set(all).count, earlyExits: results.early.filter { $0 }.count)
    }

    static func measureWorkerCosts(location: StoreLocation, calls: Int, leaseSeconds: Double, epochSeconds: Double,
                                   experiment: String) throws -> WorkerCosts {
        let store = try RunStore(location)
        try store.enqueueCells(experiment: experiment, [(key: "c", config: "{}")])
        guard let (_, lease) = try store.claimCell(experiment: experiment, lease: leaseSeconds) else {
            throw RunStoreError.database(store: store.path, message: "benchmark cell could not be claimed")
        }
        let run = try store.runForLease(lease, spec: RunSpec(name: experiment, experiment: experiment, config: "{}", model: "resnet18",
                                                               act: "relu", dataset: "synthetic", seed: 0))
        func time(_ body: (Int) throws -> Void) throws -> Double {
            var samples: [Double] = []
            for i in 0..<calls {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try body(i)
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6)
            }
            return median(samples)
        }
        let heartbeat = try time { _ in try store.heartbeat(lease) }
        let epoch = try time { i in
            try store.appendEpoch(EpochRecord(runID: run.id, epoch: i + 1, trainLoss: 1, testLoss: 1, testTop1: 50, testTop5: 90,
                                              lr: 0.1, seconds: epochSeconds, imagesPerSecond: 1000), lease: lease)
        }
        let check = try time { _ in try store.verify(lease) }
        let checkpoint = try time { i in try store.setCheckpoint(run.id, path: "/shared/runs/x/checkpoint-claim1-\(i).safetensors", lease: lease) }
        let beats = epochSeconds / (leaseSeconds / 3)
        let perEpoch = epoch + check + checkpoint + beats * heartbeat
        return WorkerCosts(heartbeatMilliseconds: heartbeat, epochRecordMilliseconds: epoch, checkpointRecordMilliseconds: checkpoint,
                           leaseCheckMilliseconds: check, epochSeconds: epochSeconds, heartbeatsPerEpoch: beats,
                           storeMillisecondsPerEpoch: perEpoch, fractionOfEpoch: perEpoch / 1000 / epochSeconds)
    }

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        var claimed: [[Int64]]
        var early: [Bool]
        var error: (any Error)?
        init(count: Int) {
            claimed = Array(repeating: [], count: count)
            early = Array(repeating: false, count: count)
        }
        func set(_ w: Int, _ ids: [Int64], early flag: Bool) { lock.withLock { claimed[w] = ids; early[w] = flag } }
        func fail(_ e: any Error) { lock.withLock { if error == nil { error = e } } }
    }
}
