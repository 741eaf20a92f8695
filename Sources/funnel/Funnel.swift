import ArgumentParser
import Foundation
import FunnelKernels
import FunnelTrain

/// `funnel`: the command line of the Funnel toolkit. Commands are thin: they parse, call the
/// library, and print.
@main
struct Funnel: ParsableCommand {
    static func main() {
        keepOpenMPThreadsAwake()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract: "Activation-function research for vision networks: FReLU, DY-ReLU and friends, in Swift on oneDNN.",
        version: FunnelBuild.description,
        subcommands: [Train.self, Eval.self, Compare.self, Experiment.self, SweepCommand.self, Runs.self, Report.self, Forward.self,
                      AttackCommand.self, Acts.self, ModelsCommand.self, Flops.self, Bench.self, Plot.self,
                      Predict.self, Export.self, TensorBoardCommand.self])
}

/// Options every compute command shares.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Compute threads (oneDNN and Funnel's kernels); default: all cores.")
    var threads: Int?

    @Option(help: "Convolutions: auto (Winograd for stride-1 3x3 convolutions, on Funnel's own kernel up to 64 channels (128 without AVX-512) and oneDNN's wider where the CPU has it; with AVX-512, Funnel's own kernels for narrow and strided 3x3 ones and 1x1 stride-2 shortcuts; oneDNN's direct kernels elsewhere), onednn (as auto without Funnel's kernels) or direct (every one on oneDNN's direct kernels, as PyTorch's CPU backend).")
    var convolution: ConvolutionAlgorithm?

    func validate() throws {
        try requireAtLeast(1, threads, "threads", because: "leave it out for all cores")
    }

    func apply() {
        if let threads { setComputeThreads(threads) }
        if let convolution { setConvolutionAlgorithm(convolution) }
    }

    /// The options a child process of this one (a worker, an isolated benchmark) needs to compute
    /// the same way, with `threads` threads (default: the thread option given here, if any).
    func childArguments(threads: Int? = nil) -> [String] {
        ((threads ?? self.threads).map { ["--threads", "\($0)"] } ?? []) + (convolution.map { ["--convolution", $0.rawValue] } ?? [])
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}

/// Prints an Encodable as pretty, key-sorted JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Progress and notes go to standard error, so standard output stays clean JSON or tables.
func note(_ text: String) {
    writeToStandardError(text + "\n")
}

/// oneDNN's OpenMP workers go to sleep soon after each primitive, and waking them costs more than
/// many of a training step's small ops take: spinning (`OMP_WAIT_POLICY=active`) measured 10–30%
/// faster FReLU, DY-ReLU and smooth-activation steps than libgomp's default or a bounded spin.
/// The price: two such processes with several threads each on one small machine starve each other,
/// so set `OMP_WAIT_POLICY=passive` when sharing the cores (experiment workers started with `--jobs`
/// get one thread each and never spin). libgomp reads the variable only when it loads, so the
/// process re-executes itself once with it set (with every CPU it started with: `OpenMPPlaces`); a
/// value you set is kept.
func keepOpenMPThreadsAwake() {
    guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
    setenv("OMP_WAIT_POLICY", "active", 1)
    OpenMPPlaces.unbound { _ = execv("/proc/self/exe", CommandLine.unsafeArgv) }
    // execv returns only on failure; run on with libgomp's defaults.
}

/// `text` left-aligned in `width` columns (Foundation's `%-10@` does not pad on Linux).
func col(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
}

/// The names of a comma-separated option, e.g. `--model resnet20,resnet18`.
func commaSeparated(_ text: String) -> [String] {
    text.split(separator: ",").map(String.init)
}

/// Activation specs from one option: separated by `;`, or by `,` when no spec has options
/// (`relu,mish` and `relu;frelu:k=5` both work).
func activationSpecs(_ text: String) -> [String] {
    let separator: Character = text.contains(";") || text.contains(":") ? ";" : ","
    return text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }
}

/// Comma-separated integers of an option, e.g. `--stages 2,3`; an error names the option and an example.
func integers<T: FixedWidthInteger>(_ text: String, option: String, example: String) throws -> [T] {
    let values = text.split(separator: ",").map { T($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
        throw ValidationError("--\(option) '\(text)': expected comma-separated integers\(T.isSigned ? "" : " of at least 0"), e.g. \(example)")
    }
    return values.map { $0! }
}
