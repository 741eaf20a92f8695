import Foundation
import FunnelLab
import Yams

/// Any text as an experiment file and as a sweep file: an error that says what is wrong, or a
/// valid grid / sweep.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: count), encoding: .utf8) else { return 0 }
    if let spec = try? YAMLDecoder().decode(ExperimentSpec.self, from: text), spec.cells().count < 10_000 { _ = try? spec.validate() }
    _ = try? SweepDefinition(name: "fuzz", yaml: text)
    return 0
}
