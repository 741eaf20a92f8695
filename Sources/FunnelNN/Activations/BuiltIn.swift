import FunnelTensor

extension Activations {
    /// The study's activations and the paper's FReLU ablations.
    static let builtIn: [ActivationEntry] = pointwise + learnable + [frelu, dyrelu]

    /// An option-free pointwise activation.
    private static func simple(_ name: String, _ displayName: String, color: String? = nil, aliases: [String] = [], _ summary: String,
                               _ f: @escaping @Sendable (Tensor) -> Tensor) -> ActivationEntry {
        ActivationEntry(name: name, displayName: displayName, color: color, variants: aliases.map { ActivationAlias($0) },
                        summary: summary, isPointwise: true) { _ in { _ in Pointwise(name, f) } }
    }

    // Colours: Okabe–Ito, fixed per activation so that one activation looks the same in every report.
    private static let pointwise: [ActivationEntry] = [
        simple("relu", "ReLU", color: "#0072b2", "max(x, 0)") { $0.relu() },
        ActivationEntry(name: "leaky_relu", displayName: "LeakyReLU", summary: "max(x, a*x)",
                        options: [.init("a", "number, default 0.01", "negative slope", example: "0.1")], isPointwise: true) { o in
            let a = try o.float("a", default: 0.01, range: 0...1)
            return { _ in Pointwise("leaky_relu", { $0.leakyRelu(slope: a) }) }
        },
        simple("silu", "SiLU", color: "#d55e00", "x * sigmoid(x) (Swish with beta = 1)") { $0.swish() },
        simple("mish", "Mish", color: "#e69f00", "x * tanh(softplus(x))") { $0.mish() },
        ActivationEntry(name: "gelu", displayName: "GELU", color: "#000000", summary: "x * Phi(x), exact erf form (tanh approximation with :tanh)",
                        options: [.init("tanh", "true|false", "use the tanh approximation", example: "true")], isPointwise: true) { o in
            let tanh = try o.bool("tanh", default: false)
            return { _ in tanh ? Pointwise("gelu_tanh", { $0.geluTanh() }) : Pointwise("gelu", { $0.gelu() }) }
        },
        simple("sigmoid", "Sigmoid", "1 / (1 + e^-x)") { $0.sigmoid() },
        simple("tanh", "Tanh", "tanh(x)") { $0.tanh() },
        simple("softplus", "Softplus", "log(1 + e^x)") { $0.softplus() },
        ActivationEntry(name: "elu", displayName: "ELU", summary: "x if x > 0 else alpha * (e^x - 1)",
                        options: [.init("alpha", "number, default 1", "saturation value", example: "0.5")], isPointwise: true) { o in
            let alpha = try o.float("alpha", default: 1, range: 0...100)
            return { _ in Pointwise("elu", { $0.elu(alpha: alpha) }) }
        },
        simple("hard_swish", "Hard-swish", aliases: ["hardswish"], "x * relu6(x + 3) / 6") { $0.hardswish() },
    ]

    private static let learnable: [ActivationEntry] = [
        ActivationEntry(name: "prelu", displayName: "PReLU", color: "#56b4e9",
                        summary: "max(0,x) + p*min(0,x), learnable p per channel (init 0.25)", parametersPerLayer: "C (1 with :shared)",
                        options: [.init("shared", "true|false", "one slope for all channels", example: "true"),
                                  .init("init", "number, default 0.25", "initial slope", example: "0.1")],
                        isPointwise: true) { o in
            let shared = try o.bool("shared", default: false), slope = try o.float("init", default: 0.25)
            return { c in PReLU(channels: c, shared: shared, initialSlope: slope) }
        },
        ActivationEntry(name: "swish", displayName: "Swish", color: "#d55e00",
                        summary: "x * sigmoid(beta*x); fixed beta (default 1) or :learnable", parametersPerLayer: "0 (1 with :learnable)",
                        options: [.init("beta", "number, default 1", "fixed or initial beta", example: "1.5"),
                                  .init("learnable", "true|false", "train beta", example: "true")],
                        isPointwise: true) { o in
            let beta = try o.float("beta", default: 1, range: 0...100)
            if try o.bool("learnable", default: false) { return { _ in LearnableSwish(initialBeta: beta) } }
            return { _ in Pointwise("swish", { $0.swish(beta: beta) }) }
        },
        ActivationEntry(name: "maxout", displayName: "Maxout", summary: "max over k learned 1x1 projections", parametersPerLayer: "k(C² + C)",
                        options: [.init("k", "integer >= 2, default 2", "pieces", example: "3")]) { o in
            let pieces = try o.int("k", default: 2, range: 2...16)
            return { c in Maxout(channels: c, pieces: pieces) }
        },
        ActivationEntry(name: "glu", displayName: "GLU", summary: "x * sigmoid(conv1x1(x)), a gated linear unit",
                        parametersPerLayer: "C² + C") { _ in { c in GLU(channels: c) } },
    ]

    private static let frelu = ActivationEntry(
        name: "frelu", displayName: "FReLU", color: "#009e73",
        variants: [
            ActivationAlias("funnel"), ActivationAlias("frelu_a"),
            ActivationAlias("frelu_b", options: ["cond": "maxpool"], displayName: "FReLU-B (max pool)"),
            ActivationAlias("frelu_c", options: ["cond": "avgpool"], displayName: "FReLU-C (avg pool)"),
            ActivationAlias("frelu_d", options: ["combine": "sum"], displayName: "FReLU-D (sum)"),
            ActivationAlias("frelu_e", options: ["combine": "relu"], displayName: "FReLU-E (ReLU of DW)"),
            ActivationAlias("frelu_light", options: ["window": "1x3+3x1"], displayName: "FReLU light (1\u{00D7}3 + 3\u{00D7}1)"),
        ],
        summary: "max(x, T(x)), T = BN(depthwise kxk conv(x)); paper rows A-E by alias", parametersPerLayer: "Ck² + C + 2C (k=3: 12C)",
        options: [
            .init("k", "odd integer, default 3", "window size k x k", example: "5"),
            .init("window", "1x1|3x3|5x5|7x7|1x3+3x1|max(1x3,3x1)", "condition window; 1x3+3x1 is the light-weight variant", example: "max(1x3,3x1)"),
            .init("cond", "param|maxpool|avgpool", "funnel condition (rows A, B, C)", example: "avgpool"),
            .init("combine", "max|sum|relu", "max(x,T) (A), x+T (D), max(T,0) (E)", example: "relu"),
            .init("norm", "bn|none|ln|in|gn", "normalisation inside the condition", example: "gn"),
            .init("groups", "integer, default 8 or fewer", "groups for norm=gn", example: "16"),
            .init("fused", "true|false", "fused depthwise+BN+max kernel (default true)", example: "false"),
        ]) { o in
            let window = try freluWindow(o)
            let norm = try o.string("norm", default: "bn", allowed: ["bn", "none", "ln", "in", "gn"])
            let groups = o.raw("groups") == nil ? nil : try o.int("groups", default: 8)
            let condition = FReLU.Condition(rawValue: try o.string("cond", default: "param", allowed: ["param", "maxpool", "avgpool"]))!
            let combination = FReLU.Combination(rawValue: try o.string("combine", default: "max", allowed: ["max", "sum", "relu"]))!
            let fused = try o.bool("fused", default: true)
            return { c in
                let normalisation: FReLU.Norm
                switch norm {
                case "none": normalisation = .none
                case "ln": normalisation = .layer
                case "in": normalisation = .instance
                case "gn":
                    let g = groups ?? gcd(c, 8)
                    guard c % g == 0 else {
                        throw ActivationError.badValue(activation: "frelu", option: "groups", value: "\(g)", expected: "a divisor of the channel count \(c)")
                    }
                    normalisation = .group(g)
                default: normalisation = .batch
                }
                return FReLU(channels: c, condition: condition, combination: combination, norm: normalisation, window: window, fused: fused)
            }
        }

    /// FReLU's condition window from `k` or `window`.
    private static func freluWindow(_ o: ActivationOptions) throws -> FReLU.Window {
        switch o.raw("window")?.lowercased().replacingOccurrences(of: " ", with: "") {
        case nil: return .square(try o.int("k", default: 3, range: 1...15, where: { $0 % 2 == 1 }, expected: "an odd integer in 1...15"))
        case "1x3+3x1", "sum(1x3,3x1)": return .sumOfStrips
        case "max(1x3,3x1)": return .maxOfStrips
        case let w?:
            let parts = w.split(separator: "x")
            guard parts.count == 2, parts[0] == parts[1], let k = Int(parts[0]), k % 2 == 1, k <= 15 else {
                throw ActivationError.badValue(activation: "frelu", option: "window", value: w, expected: "1x1, 3x3, 5x5, 7x7 (odd kxk), 1x3+3x1 or max(1x3,3x1)")
            }
            return .square(k)
        }
    }

    private static let dyrelu = ActivationEntry(
        name: "dyrelu", displayName: "DY-ReLU-B", color: "#cc79a7",
        variants: [
            ActivationAlias("dyrelu_a", options: ["variant": "a"], displayName: "DY-ReLU-A", color: "#56b4e9"),
            ActivationAlias("dyrelu_b", options: ["variant": "b"], displayName: "DY-ReLU-B"),
            ActivationAlias("dyrelu_c", options: ["variant": "c"], displayName: "DY-ReLU-C", color: "#000000"),
            ActivationAlias("dynamic_relu"),
        ],
        summary: "max_k(a_k(x) x + b_k(x)), coefficients from a hyper function; variants a, b (default), c",
        parametersPerLayer: "B: (C²/R + C/R) + (2KC²/R + 2KC); A: fc2 gives 2K; C adds C + 1",
        options: [
            .init("variant", "a|b|c", "A shared, B per channel, C per channel and position", example: "c"),
            .init("k", "integer, default 2", "number of linear pieces K", example: "3"),
            .init("r", "integer, default 4", "reduction ratio R of the hyper function", example: "2"),
            .init("lambda_a", "number, default 1.0", "slope residual scale", example: "0.5"),
            .init("lambda_b", "number, default 0.5", "intercept residual scale", example: "1"),
            .init("gamma", "number, default H*W/3", "DY-ReLU-C attention scale", example: "4"),
            .init("tau", "number, default 10", "DY-ReLU-C softmax temperature", example: "5"),
            .init("fused", "true|false", "fused piecewise-linear kernel (default true)", example: "false"),
        ]) { o in
            let gamma = o.raw("gamma") == nil ? nil : try o.float("gamma", default: 1, range: 0...1e6)
            let variant = DyReLU.Variant(rawValue: try o.string("variant", default: "b", allowed: ["a", "b", "c"]))!
            let pieces = try o.int("k", default: 2, range: 1...8), reduction = try o.int("r", default: 4, range: 1...1024)
            let lambdaA = try o.float("lambda_a", default: 1), lambdaB = try o.float("lambda_b", default: 0.5)
            let tau = try o.float("tau", default: 10, range: 1e-3...1e6), fused = try o.bool("fused", default: true)
            return { c in
                DyReLU(channels: c, variant: variant, pieces: pieces, reduction: reduction, lambdaA: lambdaA, lambdaB: lambdaB,
                       gamma: gamma, tau: tau, fused: fused)
            }
        }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
