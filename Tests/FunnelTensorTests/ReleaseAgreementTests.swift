import Foundation
import Testing

/// The fused kernels that decide a branch forward and again backward, compiled as the release build
/// compiles them (`-O2`): FReLU's passes, batch norm's fused ReLU and DY-ReLU-B's norm passes. The
/// rest of the suite runs a debug build, whose C is compiled at `-O0`; which multiplies clang fuses
/// into adds under the kernels' `contract(fast)` differs between the two, and at `-O2` from loop to
/// loop. If two passes computed a compared value with different fusing, a near-tie would go one way
/// forward and the other backward; before these tests only `scripts/parity.py` (a release build
/// against PyTorch, not in CI) could have seen it. Each C driver makes every pass show the value or
/// the choice it computed, on inputs with thousands of near-ties (see their comments). They failed
/// on every shape of the kernel changed when one pass computed its compared value as a multiply and
/// an add instead of `AFFINE`'s fused multiply-add (vectors.h).
@Suite struct ReleaseAgreementTests {
    /// `scripts/frelu3x3-harness.c agree`: 52 layer shapes, each with the second backward pass's
    /// register blocks for 16 vector registers and for 32.
    @Test func frelu3x3PassesReadTheSameXAndCondition() throws {
        let check = try compileAndRun("scripts/frelu3x3-harness.c", kernels: ["frelu3x3.c"], arguments: ["agree"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("104 of 104 layer shapes and register blocks"), "\(check.output)")
    }

    /// `scripts/branch-agreement.c`: batch norm with its ReLU (16-512 channels, one with a scalar
    /// tail) and DY-ReLU-B after a norm, with and without a residual.
    @Test func batchNormReLUAndDynamicReLUPassesChooseAlike() throws {
        let check = try compileAndRun("scripts/branch-agreement.c", kernels: ["batchnorm.c", "dyrelu2.c"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("10 of 10 kernel shapes"), "\(check.output)")
    }

    /// Compiles `driver` with the named files of `Sources/CKernels` at `-O2`, with SwiftPM's flags for
    /// them in the release build (.build/release.yaml) less the debug info, and runs it.
    private func compileAndRun(_ driver: String, kernels: [String], arguments: [String] = []) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let executable = folder.appendingPathComponent("driver").path
        let source = root.appendingPathComponent("Sources/CKernels").path
        let compile = try run(toolchainClang, ["-O2", "-DSWIFT_PACKAGE=1", "-fblocks", "-fPIC", "-fno-omit-frame-pointer",
                                               "-I", source + "/include", "-I", source, root.appendingPathComponent(driver).path]
                                               + (kernels + ["streaming.c"]).map { source + "/" + $0 } + ["-lm", "-lpthread", "-o", executable])
        try #require(compile.status == 0, "clang failed:\n\(compile.output)")
        return try run(executable, arguments)
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
