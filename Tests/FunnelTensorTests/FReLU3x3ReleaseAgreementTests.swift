import Foundation
import Testing

/// FReLU's passes compiled as the release build compiles them (`-O2`). The rest of the suite runs a
/// debug build, whose C is compiled at `-O0`; which multiplies clang fuses into adds under the
/// kernels' `contract(fast)` differs between the two, and at `-O2` from loop to loop. If two passes
/// computed x or the condition `a t + b` with different fusing, a near-tie would go one way forward
/// and the other backward; before this test only `scripts/parity.py` (a release build against
/// PyTorch, not in CI) could have seen it. `scripts/frelu3x3-harness.c agree` makes each pass show
/// the x and the choice it computed, on inputs with thousands of near-ties (see its comment). It
/// failed on every layer shape when one pass computed its condition, or its x, as a multiply and an
/// add instead of `AFFINE`'s fused multiply-add (vectors.h), and with every pass as a multiply and
/// an add but one fused.
@Suite struct FReLU3x3ReleaseAgreementTests {
    @Test func everyPassReadsTheSameXAndConditionAtO2() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let harness = folder.appendingPathComponent("frelu-harness").path
        let kernels = root.appendingPathComponent("Sources/CKernels").path
        // SwiftPM's flags for this file in the release build (.build/release.yaml), less the debug info.
        let compile = try run(toolchainClang, ["-O2", "-DSWIFT_PACKAGE=1", "-fblocks", "-fPIC", "-fno-omit-frame-pointer",
                                               "-I", kernels + "/include", "-I", kernels,
                                               root.appendingPathComponent("scripts/frelu3x3-harness.c").path,
                                               kernels + "/frelu3x3.c", kernels + "/streaming.c", "-lm", "-lpthread", "-o", harness])
        try #require(compile.status == 0, "clang failed:\n\(compile.output)")
        let check = try run(harness, ["agree"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("52 of 52 layer shapes"), "\(check.output)")
    }

    /// The clang beside `swift` on the PATH, the one SwiftPM compiles the C targets with (another
    /// on the PATH may be older than `__builtin_elementwise_fma`), else whichever `clang` is there.
    private var toolchainClang: String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":") {
            let swift = URL(fileURLWithPath: String(folder)).appendingPathComponent("swift")
            let clang = swift.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang").path
            if FileManager.default.isExecutableFile(atPath: swift.path), FileManager.default.isExecutableFile(atPath: clang) { return clang }
        }
        return "/usr/bin/clang"
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
