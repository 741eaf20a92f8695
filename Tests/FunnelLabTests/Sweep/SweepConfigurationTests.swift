import Foundation
import Testing
import FunnelStats
@testable import FunnelLab

@Suite struct SweepConfigurationTests {
    static let reportSweep = """
        method: bayes            # grid | random | bayes
        metric: {name: test_loss, goal: minimize}
        run_cap: 20              # budget
        program: train.py        # W&B bookkeeping, ignored
        parameters:
          act: {values: [relu, mish, swish, frelu, dyrelu_a, dyrelu_b]}
          optimizer: {values: [adam, sgd]}
          batch_size: {values: [64, 128, 256]}
          lr: {min: 0.0001, max: 0.1, distribution: log_uniform_values}
          epochs: {value: 50}
        early_terminate: {type: hyperband, min_iter: 3, eta: 3}
        """

    @Test func readsTheReportSweep() throws {
        let sweep = try SweepConfiguration(yaml: Self.reportSweep)
        #expect(sweep.method == .bayes)
        #expect(sweep.metric == .init(name: "test_loss", goal: .minimize))
        #expect(sweep.runCap == 20)
        #expect(sweep.parameters.map(\.name) == ["act", "optimizer", "batch_size", "lr", "epochs"])
        #expect(sweep.parameters[0].domain == .categorical(["relu", "mish", "swish", "frelu", "dyrelu_a", "dyrelu_b"], probabilities: nil))
        #expect(sweep.parameters[2].domain == .categorical([64, 128, 256], probabilities: nil))
        #expect(sweep.parameters[3].domain == .range(ParameterRange(min: 0.0001, max: 0.1, distribution: .logUniformValues)))
        #expect(sweep.parameters[4].domain == .constant(50))
        #expect(sweep.earlyTerminate == HyperbandSchedule(eta: 3, brackets: .fromMinimum(iteration: 3)))
    }

    @Test func infersDistributionsAndReadsOtherForms() throws {
        let sweep = try SweepConfiguration(yaml: """
            method: random
            parameters:
              depth: {min: 1, max: 8}
              dropout: {min: 0, max: 0.5}
              wd: {min: 1e-5, max: 1e-3, distribution: log_uniform_values}
              width: {min: 16, max: 128, distribution: q_uniform, q: 16}
              momentum: {min: -3, max: 0, distribution: log_uniform}
              act: {values: [relu, frelu], probabilities: [0.25, 0.75]}
              tag: {values: ["64", yes]}
            early_terminate: {type: hyperband, max_iter: 27, s: 2}
            metric: {name: acc, goal: maximize, target: 0.95}
            """)
        let domains = sweep.parameters.map(\.domain)
        #expect(domains[0] == .range(ParameterRange(min: 1, max: 8, distribution: .intUniform)))
        #expect(domains[1] == .range(ParameterRange(min: 0, max: 0.5, distribution: .uniform)))
        #expect(domains[2] == .range(ParameterRange(min: 1e-5, max: 1e-3, distribution: .logUniformValues)))
        #expect(domains[3] == .range(ParameterRange(min: 16, max: 128, distribution: .qUniform, q: 16)))
        #expect(domains[4] == .range(ParameterRange(min: -3, max: 0, distribution: .logUniform)))
        #expect(domains[5] == .categorical(["relu", "frelu"], probabilities: [0.25, 0.75]))
        // A quoted number stays a string; YAML 1.1 reads a bare `yes` as true.
        #expect(domains[6] == .categorical([.string("64"), .bool(true)], probabilities: nil))
        #expect(sweep.earlyTerminate == HyperbandSchedule(eta: 3, brackets: .fromMaximum(iteration: 27, brackets: 2)))
        #expect(sweep.metric == .init(name: "acc", goal: .maximize, target: 0.95))
        #expect(sweep.runCap == nil)
    }

    @Test func readsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-sweep-\(UUID().uuidString).yaml")
        try Self.reportSweep.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SweepConfiguration(contentsOf: url) == SweepConfiguration(yaml: Self.reportSweep))
        #expect(throws: SweepConfigurationError.self) { try SweepConfiguration(contentsOf: url.appendingPathExtension("missing")) }
    }

    /// A minimal valid file with one line replaced, the field the error must name, and words it must say.
    static let badFiles: [(yaml: String, field: String, says: String)] = [
        ("method: anneal\nparameters: {a: {values: [1]}}", "method", "unknown value 'anneal'; expected one of 'grid', 'random', 'bayes'"),
        ("parameters: {a: {values: [1]}}", "method", "missing"),
        ("method: grid", "parameters", "missing"),
        ("method: grid\nparameters: {}", "parameters", "at least one parameter"),
        ("method: grid\nparamters: {a: {values: [1]}}", "sweep file", "unknown key 'paramters'"),
        ("method: grid\nmetric: {name: loss, goal: lowest}\nparameters: {a: {values: [1]}}", "metric.goal", "unknown value 'lowest'; expected one of 'minimize', 'maximize'"),
        ("method: grid\nmetric: {goal: minimize}\nparameters: {a: {values: [1]}}", "metric.name", "missing"),
        ("method: random\nparameters: {lr: {distribution: uniform}}", "parameters.lr", "expected 'values', 'value' or 'min'/'max'"),
        ("method: random\nparameters: {lr: {min: 0.1}}", "parameters.lr", "has min but no max"),
        ("method: random\nparameters: {lr: {max: 0.1}}", "parameters.lr", "has max but no min"),
        ("method: random\nparameters: {lr: {min: 0.1, max: 0.01}}", "parameters.lr", "min (0.1) must be less than max (0.01)"),
        ("method: random\nparameters: {lr: {min: 0.1, max: 0.1}}", "parameters.lr", "must be less than max"),
        ("method: random\nparameters: {lr: {min: 0, max: 0.1, distribution: log_uniform_values}}", "parameters.lr.min", "log scale and needs min > 0, got 0.0"),
        ("method: random\nparameters: {lr: {min: 0.0, max: 1, distribution: normal}}", "parameters.lr.distribution", "unsupported distribution 'normal'"),
        ("method: random\nparameters: {n: {min: 0.5, max: 4, distribution: int_uniform}}", "parameters.n", "int_uniform needs integer min and max"),
        ("method: random\nparameters: {w: {min: 0, max: 4, distribution: q_uniform, q: 0}}", "parameters.w.q", "positive quantum"),
        ("method: random\nparameters: {w: {min: 0, max: 4, q: 2}}", "parameters.w.q", "only goes with q_uniform"),
        ("method: random\nparameters: {lr: {min: low, max: 0.1}}", "parameters.lr.min", "expected a number, got 'low'"),
        ("method: random\nparameters: {act: {values: []}}", "parameters.act.values", "expected at least one value"),
        ("method: random\nparameters: {act: {values: relu}}", "parameters.act.values", "expected a list of values"),
        ("method: random\nparameters: {act: {values: [relu, {a: 1}]}}", "parameters.act.values[1]", "expected a number, string or boolean, got a mapping"),
        ("method: random\nparameters: {act: {values: [relu, relu]}}", "parameters.act.values", "'relu' is listed twice"),
        ("method: random\nparameters: {act: {values: [a, b], probabilities: [0.5]}}", "parameters.act.probabilities", "expected 2 probabilities"),
        ("method: random\nparameters: {act: {values: [a, b], probabilities: [0.5, 0.6]}}", "parameters.act.probabilities", "summing to 1"),
        ("method: random\nparameters: {act: {values: [a], value: a}}", "parameters.act", "expected one of 'value', 'values' or 'min'/'max'"),
        ("method: random\nparameters: {e: {value: ~}}", "parameters.e.value", "expected a number, string or boolean, got"),
        ("method: random\nparameters: {opt: {parameters: {lr: {value: 1}}}}", "parameters.opt.parameters", "nested parameters are not supported"),
        ("method: random\nparameters: {lr: {min: 1, max: 2, mu: 0}}", "parameters.lr", "unknown key 'mu'"),
        ("method: grid\nparameters: {lr: {min: 0.001, max: 0.1}}", "parameters.lr", "grid search needs 'values' or 'value'"),
        ("method: bayes\nparameters: {a: {values: [1, 2]}}", "metric", "bayes search needs a metric"),
        ("method: grid\nrun_cap: 0\nparameters: {a: {values: [1]}}", "run_cap", "expected a positive integer, got 0"),
        ("method: grid\nrun_cap: ten\nparameters: {a: {values: [1]}}", "run_cap", "expected an integer, got 'ten'"),
        ("method: grid\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband, min_iter: 3}", "metric", "early_terminate needs a metric"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: median, min_iter: 3}", "early_terminate.type", "unsupported type 'median'"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband, min_iter: 3, eta: 1}", "early_terminate.eta", "greater than 1, got 1.0"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband, min_iter: 0}", "early_terminate.min_iter", "at least 1, got 0"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband, max_iter: 27}", "early_terminate.s", "max_iter needs s"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband, max_iter: 2, s: 1}", "early_terminate.max_iter", "leaves no band"),
        ("method: grid\nmetric: {name: loss}\nparameters: {a: {values: [1]}}\nearly_terminate: {type: hyperband}", "early_terminate", "expected min_iter, or max_iter with s"),
        ("method: [grid", "yaml", "not valid YAML"),
        ("", "yaml", "the file is empty"),
        ("- method: grid", "sweep file", "expected a mapping"),
    ]

    @Test(arguments: badFiles)
    func badFileNamesTheField(yaml: String, field: String, says: String) {
        do {
            let sweep = try SweepConfiguration(yaml: yaml)
            Issue.record("accepted \(yaml.debugDescription) as \(sweep)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(says), "\(error)")
            #expect(error.description.hasPrefix("[sweep] \(field): "))
        }
    }
}
