import ArgumentParser
import Foundation
import FunnelLab
import FunnelModels
import FunnelNN

/// Refuses a count option below its least sensible value, in `validate()`, so that a `0` or a
/// negative count is an error naming the option instead of an empty loop and a report of nothing.
func requireAtLeast(_ minimum: Int, _ value: Int?, _ option: String, because reason: String? = nil) throws {
    guard let value, value < minimum else { return }
    throw ValidationError("--\(option) must be at least \(minimum)\(reason.map { " (\($0))" } ?? ""), found \(value)")
}

/// Refuses a duration option that is not a positive, finite number of seconds.
func requirePositiveSeconds(_ value: Double, _ option: String) throws {
    guard value > 0 && value.isFinite else { throw ValidationError("--\(option) must be a positive number of seconds, found \(value)") }
}

/// Refuses a claim lease under a second: heartbeats come every third of it.
func requireLease(_ value: Double) throws {
    guard value >= 1 && value.isFinite else { throw ValidationError("--lease must be at least 1 second, found \(value)") }
}

/// The file an `--out` option names, its folder made first, so that a missing folder is made (or
/// refused, naming it) before any work rather than after it.
func outputFile(_ path: String, option: String = "out") throws -> URL {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
        throw ValidationError("--\(option) \(path): cannot create its folder \(folder.path): \(error.localizedDescription)")
    }
    return url
}

/// Refuses an option naming a file that is not there (or is a folder), in `validate()`, so that
/// the error names the option rather than the system's read failure.
func requireFile(_ path: String, _ option: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw ValidationError("--\(option) \(path): no such file")
    }
}

/// Refuses a list option naming an item twice: a second row of the same configuration measures
/// nothing new and reads as a comparison.
func requireEachOnce(_ items: [String], _ option: String) throws {
    if let repeated = firstRepeated(items) { throw ValidationError("--\(option): '\(repeated)' is listed twice") }
}

/// Refuses a name that is not a classification model, before a benchmark measures anything (it
/// would otherwise time the configurations before it first, then fail).
func requireClassifiers(_ names: [String], _ option: String) throws {
    for name in names {
        do { _ = try Models.entry(name, for: .classify) } catch { throw ValidationError("--\(option): \(error)") }
    }
}

/// Refuses an activation spec that does not resolve, before a benchmark measures anything.
func requireKnownActivations(_ specs: [String], _ option: String) throws {
    for spec in specs {
        do { _ = try Activations.factory(spec) } catch { throw ValidationError("--\(option): \(error)") }
    }
}
