import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive hold on a run's folder for as long as one process trains the run there: two
/// processes writing the same checkpoint would leave a file that is neither's run.
///
/// The hold is an advisory lock (`flock`) on `<folder>/.training.lock`, so the kernel drops it when
/// the process ends in any way, `kill -9` included: there is never a stale lock to clean up. The
/// file names the holder (its worker id, `host:boot:pid`), for the error a second process gets.
final class RunFolderLock {
    private let descriptor: Int32

    /// Takes the hold, or throws `TrainError.runBusy` naming who holds it.
    init(folder: URL, runName: String) throws {
        let path = folder.appendingPathComponent(".training.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrainError.runFolderUnusable(path: path, reason: String(cString: strerror(errno)))
        }
        var locked: Int32
        repeat { locked = flock(fd, LOCK_EX | LOCK_NB) } while locked != 0 && errno == EINTR
        guard locked == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw TrainError.runBusy(name: runName, folder: folder.path, holder: holder?.isEmpty == false ? holder! : "another process")
        }
        descriptor = fd
        let holder = Array("\(RunStore.workerID)\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = holder.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
