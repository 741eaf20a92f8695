import FunnelTensor

extension Activations {
    /// The study's activations and the paper's FReLU ablations.
    static let builtIn: [ActivationEntry] = pointwise + learnable + [frelu, dyrelu]

    private static func simple(_ name: String, aliases: [String] = [], _ summary: String,
                               _ f: @escaping @Sendable (Tensor) -> Tensor) -> ActivationEntry {
        ActivationEntry(name: name, aliases: aliases, summary: summary, isPointwise: true) { _, _ in Pointwise(name, f) }
    }

    private static let pointwise: [ActivationEntry] = [
        simple("relu", "max(x, 0)") { $0.relu() },
        ActivationEntry(name: "leaky_relu", summary: "max(x, a*x)", options: [.init("a", "number, default 0.01", "negative slope")],
                        isPointwise: true) { o, _ in
            let a = try o.float("a", default: 0.01, range: 0...1)
            return Pointwise("leaky_relu", { $0.leakyRelu(slope: a) })
        },
        simple("silu", "x * sigmoid(x) (Swish with beta = 1)") { $0.swish() },
        simple("mish", "x * tanh(softplus(x))") { $0.mish() },
        ActivationEntry(name: "gelu", summary: "x * Phi(x), exact erf form (tanh approximation with :tanh)",
                        options: [.init("tanh", "true|false", "use the tanh approximation")], isPointwise: true) { o, _ in
            try o.bool("tanh", default: false) ? Pointwise("gelu_tanh", { $0.geluTanh() }) : Pointwise("gelu", { $0.gelu() })
        },
        simple("sigmoid", "1 / (1 + e^-x)") { $0.sigmoid() },
        simple("tanh", "tanh(x)") { $0.tanh() },
        simple("softplus", "log(1 + e^x)") { $0.softplus() },
        ActivationEntry(name: "elu", summary: "x if x > 0 else alpha * (e^x - 1)", options: [.init("alpha", "number, default 1", "saturation value")],
                        isPointwise: true) { o, _ in
            let alpha = try o.float("alpha", default: 1, range: 0...100)
            return Pointwise("elu", { $0.elu(alpha: alpha) })
        },
        simple("hard_swish", aliases: ["hardswish"], "x * relu6(x + 3) / 6") { $0.hardswish() },
    ]

    private static let learnable: [ActivationEntry] = [
        ActivationEntry(name: "prelu", summary: "max(0,x) + p*min(0,x), learnable p per channel (init 0.25)", parametersPerLayer: "C (1 with :shared)",
                        options: [.init("shared", "true|false", "one slope for all channels"), .init("init", "number, default 0.25", "initial slope")],
                        isPointwise: true) { o, c in
            PReLU(channels: c, shared: try o.bool("shared", default: false), initialSlope: try o.float("init", default: 0.25))
        },
        ActivationEntry(name: "swish", summary: "x * sigmoid(beta*x); fixed beta (default 1) or :learnable", parametersPerLayer: "0 (1 with :learnable)",
                        options: [.init("beta", "number, default 1", "fixed or initial beta"), .init("learnable", "true|false", "train beta")],
                        isPointwise: true) { o, _ in
            let beta = try o.float("beta", default: 1, range: 0...100)
            if try o.bool("learnable", default: false) { return LearnableSwish(initialBeta: beta) }
            return Pointwise("swish", { $0.swish(beta: beta) })
        },
        ActivationEntry(name: "maxout", summary: "max over k learned 1x1 projections", parametersPerLayer: "k(C² + C)",
                        options: [.init("k", "integer >= 2, default 2", "pieces")]) { o, c in
            Maxout(channels: c, pieces: try o.int("k", default: 2, range: 2...16))
        },
        ActivationEntry(name: "glu", summary: "x * sigmoid(conv1x1(x)), a gated linear unit", parametersPerLayer: "C² + C") { _, c in GLU(channels: c) },
    ]

    private static let frelu = ActivationEntry(
        name: "frelu", aliases: ["funnel", "frelu_a", "frelu_b", "frelu_c", "frelu_d", "frelu_e", "frelu_light"],
        summary: "max(x, T(x)), T = BN(depthwise kxk conv(x)); paper rows A-E by alias", parametersPerLayer: "Ck² + C + 2C (k=3: 12C)",
        options: [
            .init("k", "odd integer, default 3", "window size k x k"),
            .init("window", "1x1|3x3|5x5|7x7|1x3+3x1|max(1x3,3x1)", "condition window; 1x3+3x1 is the light-weight variant"),
            .init("cond", "param|maxpool|avgpool", "funnel condition (rows A, B, C)"),
            .init("combine", "max|sum|relu", "max(x,T) (A), x+T (D), max(T,0) (E)"),
            .init("norm", "bn|none|ln|in|gn", "normalisation inside the condition"),
            .init("groups", "integer, default 8 or fewer", "groups for norm=gn"),
            .init("fused", "true|false", "fused depthwise+BN+max kernel (default true)"),
        ]) { o, c in
            let window: FReLU.Window
            switch o.raw("window")?.lowercased().replacingOccurrences(of: " ", with: "") {
            case nil: window = .square(try o.int("k", default: 3, range: 1...15, where: { $0 % 2 == 1 }, expected: "an odd integer in 1...15"))
            case "1x3+3x1", "sum(1x3,3x1)": window = .sumOfStrips
            case "max(1x3,3x1)": window = .maxOfStrips
            case let w?:
                let parts = w.split(separator: "x")
                guard parts.count == 2, parts[0] == parts[1], let k = Int(parts[0]), k % 2 == 1, k <= 15 else {
                    throw ActivationError.badValue(activation: "frelu", option: "window", value: w, expected: "1x1, 3x3, 5x5, 7x7 (odd kxk), 1x3+3x1 or max(1x3,3x1)")
                }
                window = .square(k)
            }
            let norm: FReLU.Norm
            switch try o.string("norm", default: "bn", allowed: ["bn", "none", "ln", "in", "gn"]) {
            case "none": norm = .none
            case "ln": norm = .layer
            case "in": norm = .instance
            case "gn":
                let g = try o.int("groups", default: gcd(c, 8))
                guard c % g == 0 else { throw ActivationError.badValue(activation: "frelu", option: "groups", value: "\(g)", expected: "a divisor of the channel count \(c)") }
                norm = .group(g)
            default: norm = .batch
            }
            return FReLU(channels: c,
                         condition: FReLU.Condition(rawValue: try o.string("cond", default: "param", allowed: ["param", "maxpool", "avgpool"]))!,
                         combination: FReLU.Combination(rawValue: try o.string("combine", default: "max", allowed: ["max", "sum", "relu"]))!,
                         norm: norm, window: window, fused: try o.bool("fused", default: true))
        }

    private static let dyrelu = ActivationEntry(
        name: "dyrelu", aliases: ["dyrelu_a", "dyrelu_b", "dyrelu_c", "dynamic_relu"],
        summary: "max_k(a_k(x) x + b_k(x)), coefficients from a hyper function; variants a, b (default), c",
        parametersPerLayer: "B: (C²/R + C/R) + (2KC²/R + 2KC); A: fc2 gives 2K; C adds C + 1",
        options: [
            .init("variant", "a|b|c", "A shared, B per channel, C per channel and position"),
            .init("k", "integer, default 2", "number of linear pieces K"),
            .init("r", "integer, default 4", "reduction ratio R of the hyper function"),
            .init("lambda_a", "number, default 1.0", "slope residual scale"),
            .init("lambda_b", "number, default 0.5", "intercept residual scale"),
            .init("gamma", "number, default H*W/3", "DY-ReLU-C attention scale"),
            .init("tau", "number, default 10", "DY-ReLU-C softmax temperature"),
            .init("fused", "true|false", "fused piecewise-linear kernel (default true)"),
        ]) { o, c in
            let gamma = o.raw("gamma") == nil ? nil : try o.float("gamma", default: 1, range: 0...1e6)
            return DyReLU(channels: c, variant: DyReLU.Variant(rawValue: try o.string("variant", default: "b", allowed: ["a", "b", "c"]))!,
                          pieces: try o.int("k", default: 2, range: 1...8), reduction: try o.int("r", default: 4, range: 1...1024),
                          lambdaA: try o.float("lambda_a", default: 1), lambdaB: try o.float("lambda_b", default: 0.5),
                          gamma: gamma, tau: try o.float("tau", default: 10, range: 1e-3...1e6), fused: try o.bool("fused", default: true))
        }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
