import Foundation

/// Gaussian-process regression with a stationary kernel, constant prior mean and Gaussian observation noise.
///
/// The prior is f ~ GP(m, k) with k(x, x') = σ² ρ(r), r² = Σ_j (x_j - x'_j)² / ℓ_j² (one length scale
/// per input coordinate), and observations y = f(x) + ε, ε ~ N(0, σ_n²). With K = σ² R + σ_n² I on the
/// training inputs the posterior at x is (Rasmussen & Williams 2006, eq. 2.25-2.26)
///
///     mean(x)     = m + k(x)ᵀ K⁻¹ (y - m)
///     variance(x) = σ² - k(x)ᵀ K⁻¹ k(x)        (of f, without the noise)
///
/// computed through the Cholesky factor of K. `fitted` chooses the hyper-parameters by maximising the
/// marginal likelihood.
public struct GaussianProcess: Sendable {
    /// The correlation ρ as a function of the scaled distance r.
    public enum Kernel: String, Sendable, Hashable, CaseIterable {
        /// Matérn ν = 5/2: ρ(r) = (1 + √5 r + 5r²/3) exp(-√5 r). Twice differentiable, the usual choice for
        /// hyper-parameter response surfaces (Snoek et al. 2012), which are not as smooth as the RBF assumes.
        case matern52
        /// Squared exponential (RBF): ρ(r) = exp(-r²/2).
        case squaredExponential

        /// ρ at squared scaled distance r².
        public func correlation(squaredDistance r2: Double) -> Double {
            switch self {
            case .squaredExponential:
                return exp(-0.5 * r2)
            case .matern52:
                let s = (5 * r2).squareRoot()
                return (1 + s + 5 * r2 / 3) * exp(-s)
            }
        }
    }

    /// The kernel's and the noise's parameters.
    public struct Hyperparameters: Sendable, Hashable {
        /// ℓ_j, one per input coordinate.
        public var lengthscales: [Double]
        /// σ², the prior variance of f.
        public var signalVariance: Double
        /// σ_n², the variance of the observation noise.
        public var noiseVariance: Double
        /// m, the prior mean of f.
        public var mean: Double

        /// - Parameters:
        ///   - lengthscales: ℓ_j, one per input coordinate, > 0.
        ///   - signalVariance: σ² > 0.
        ///   - noiseVariance: σ_n² ≥ 0.
        ///   - mean: The prior mean m.
        public init(lengthscales: [Double], signalVariance: Double, noiseVariance: Double, mean: Double = 0) {
            self.lengthscales = lengthscales
            self.signalVariance = signalVariance
            self.noiseVariance = noiseVariance
            self.mean = mean
        }
    }

    /// The kernel.
    public let kernel: Kernel
    /// The hyper-parameters the posterior was computed with.
    public let hyperparameters: Hyperparameters
    /// log p(y | X, hyper-parameters).
    public let logMarginalLikelihood: Double

    private let dimension: Int
    private let inputs: [Double]          // n × dimension, row-major
    private let factor: CholeskyFactor    // of K
    private let weights: [Double]         // K⁻¹ (y - m)

    /// The posterior given training data and fixed hyper-parameters.
    ///
    /// If K is not numerically positive definite (duplicated inputs with almost no noise), a jitter of
    /// 1e-10·σ², growing tenfold up to 1e-4·σ², is added to its diagonal.
    ///
    /// - Parameters:
    ///   - inputs: n points, each with one coordinate per length scale.
    ///   - targets: n observations.
    ///   - kernel: The correlation function.
    ///   - hyperparameters: Length scales, variances and mean.
    public init(inputs: [[Double]], targets: [Double], kernel: Kernel = .matern52, hyperparameters: Hyperparameters) {
        precondition(!inputs.isEmpty && inputs.count == targets.count,
                     "[GaussianProcess] expected as many targets as inputs (at least one), got \(inputs.count) and \(targets.count)")
        let d = hyperparameters.lengthscales.count
        precondition(inputs.allSatisfy { $0.count == d }, "[GaussianProcess] every input needs \(d) coordinates, one per length scale")
        let data = TrainingData(inputs: inputs, targets: targets)
        var jitter = 0.0
        var result = data.posterior(kernel, hyperparameters, jitter: jitter)
        while result == nil && jitter < 1e-4 * hyperparameters.signalVariance {
            jitter = jitter == 0 ? 1e-10 * hyperparameters.signalVariance : jitter * 10
            result = data.posterior(kernel, hyperparameters, jitter: jitter)
        }
        guard let (factor, weights, logLikelihood) = result else {
            preconditionFailure("[GaussianProcess] kernel matrix is not positive definite even with jitter; hyper-parameters \(hyperparameters)")
        }
        self.kernel = kernel
        self.hyperparameters = hyperparameters
        self.dimension = d
        self.inputs = data.flatInputs
        self.factor = factor
        self.weights = weights
        logMarginalLikelihood = logLikelihood
    }

    /// The posterior mean and variance of f at `x` (the variance excludes observation noise).
    public func predict(_ x: [Double]) -> (mean: Double, variance: Double) {
        precondition(x.count == dimension, "[GaussianProcess.predict] expected \(dimension) coordinates, got \(x.count)")
        let n = weights.count
        let scales = hyperparameters.lengthscales.map { 1 / ($0 * $0) }
        var covariances = [Double](repeating: 0, count: n)
        inputs.withUnsafeBufferPointer { inputs in
            for i in 0..<n {
                var r2 = 0.0
                for j in 0..<dimension {
                    let delta = x[j] - inputs[i * dimension + j]
                    r2 += delta * delta * scales[j]
                }
                covariances[i] = hyperparameters.signalVariance * kernel.correlation(squaredDistance: r2)
            }
        }
        var mean = hyperparameters.mean
        for i in 0..<n { mean += covariances[i] * weights[i] }
        let v = factor.solveLower(covariances)
        let explained = v.reduce(0) { $0 + $1 * $1 }
        return (mean, max(hyperparameters.signalVariance - explained, 0))
    }
}

extension GaussianProcess {
    /// A posterior whose hyper-parameters maximise the marginal likelihood (type-II maximum likelihood).
    ///
    /// The prior mean is the targets' mean. The signal variance σ² is profiled out: writing
    /// K = σ² (R + g I) with the noise ratio g = σ_n²/σ², the best σ² for given length scales and g is
    /// (y - m)ᵀ (R + g I)⁻¹ (y - m) / n, in closed form. The remaining parameters are searched: a common
    /// length scale over a grid from 0.05 to 3.5 (inputs live in the unit cube) times noise ratios from
    /// 1e-6 to 0.1, then (with more than one coordinate) two passes of coordinate search over each
    /// coordinate's own length scale and the noise ratio (automatic relevance determination: a coordinate
    /// that does not matter gets a long scale). One pass stopped short on a 2-D test surface whose
    /// likelihood is flat along the diagonal of the grid.
    ///
    /// - Parameters:
    ///   - inputs: n points in the unit cube, all with the same number of coordinates.
    ///   - targets: n observations.
    ///   - kernel: The correlation function.
    public static func fitted(inputs: [[Double]], targets: [Double], kernel: Kernel = .matern52) -> GaussianProcess {
        precondition(!inputs.isEmpty && inputs.count == targets.count,
                     "[GaussianProcess.fitted] expected as many targets as inputs (at least one), got \(inputs.count) and \(targets.count)")
        let d = inputs[0].count
        let data = TrainingData(inputs: inputs, targets: targets)
        let lengthscaleGrid = [0.05, 0.08, 0.12, 0.2, 0.3, 0.5, 0.8, 1.2, 2, 3.5]
        let noiseRatioGrid = [1e-6, 1e-4, 1e-3, 1e-2, 1e-1]

        var best = (score: -Double.infinity, lengthscales: [Double](repeating: 1, count: d), noiseRatio: 1e-2)
        func consider(_ lengthscales: [Double], _ noiseRatio: Double) {
            if let score = data.profileLikelihood(kernel, lengthscales, noiseRatio), score > best.score {
                best = (score, lengthscales, noiseRatio)
            }
        }
        for lengthscale in lengthscaleGrid {
            for noiseRatio in noiseRatioGrid { consider([Double](repeating: lengthscale, count: d), noiseRatio) }
        }
        for _ in 0..<(d > 1 ? 2 : 0) {
            for j in 0..<d {
                for lengthscale in lengthscaleGrid {
                    var candidate = best.lengthscales
                    candidate[j] = lengthscale
                    consider(candidate, best.noiseRatio)
                }
            }
            for noiseRatio in noiseRatioGrid { consider(best.lengthscales, noiseRatio) }
        }

        let signalVariance = data.profiledSignalVariance(kernel, best.lengthscales, best.noiseRatio)
        return GaussianProcess(inputs: inputs, targets: targets, kernel: kernel, hyperparameters: Hyperparameters(
            lengthscales: best.lengthscales, signalVariance: signalVariance,
            noiseVariance: best.noiseRatio * signalVariance, mean: data.targetMean))
    }
}

/// Training inputs with their per-coordinate squared differences, reused by every kernel matrix built
/// while fitting the hyper-parameters.
private struct TrainingData {
    let count: Int
    let dimension: Int
    let flatInputs: [Double]
    let targets: [Double]
    let targetMean: Double
    /// squaredDifferences[(i * n + k) * d + j] = (x_ij - x_kj)².
    private let squaredDifferences: [Double]

    init(inputs: [[Double]], targets: [Double]) {
        let n = inputs.count, d = inputs[0].count
        count = n
        dimension = d
        flatInputs = inputs.flatMap { $0 }
        self.targets = targets
        targetMean = targets.reduce(0, +) / Double(n)
        var differences = [Double](repeating: 0, count: n * n * d)
        for i in 0..<n {
            for k in 0..<n {
                for j in 0..<d {
                    let delta = inputs[i][j] - inputs[k][j]
                    differences[(i * n + k) * d + j] = delta * delta
                }
            }
        }
        squaredDifferences = differences
    }

    /// The correlation matrix R + diagonal.
    func correlationMatrix(_ kernel: GaussianProcess.Kernel, _ lengthscales: [Double], diagonal: Double) -> [Double] {
        let n = count, d = dimension
        let scales = lengthscales.map { 1 / ($0 * $0) }
        var matrix = [Double](repeating: 0, count: n * n)
        squaredDifferences.withUnsafeBufferPointer { differences in
            matrix.withUnsafeMutableBufferPointer { matrix in
                for i in 0..<n {
                    matrix[i * n + i] = 1 + diagonal
                    for k in 0..<i {
                        var r2 = 0.0
                        for j in 0..<d { r2 += differences[(i * n + k) * d + j] * scales[j] }
                        let value = kernel.correlation(squaredDistance: r2)
                        matrix[i * n + k] = value
                        matrix[k * n + i] = value
                    }
                }
            }
        }
        return matrix
    }

    private var centredTargets: [Double] { targets.map { $0 - targetMean } }

    /// The profiled σ² and the factor of R + g I, or nil when that matrix cannot be factored.
    private func profile(_ kernel: GaussianProcess.Kernel, _ lengthscales: [Double], _ noiseRatio: Double)
        -> (signalVariance: Double, factor: CholeskyFactor)? {
        guard let factor = CholeskyFactor(correlationMatrix(kernel, lengthscales, diagonal: noiseRatio), order: count) else { return nil }
        let centred = centredTargets
        let quadratic = zip(centred, factor.solve(centred)).reduce(0) { $0 + $1.0 * $1.1 }
        // Equal targets leave nothing to explain; a tiny floor keeps the logarithm finite.
        return (max(quadratic / Double(count), 1e-12), factor)
    }

    /// log p(y) at the profiled σ²: -n/2 log σ² - ½ log det(R + g I) - n/2 (1 + log 2π).
    func profileLikelihood(_ kernel: GaussianProcess.Kernel, _ lengthscales: [Double], _ noiseRatio: Double) -> Double? {
        guard let (signalVariance, factor) = profile(kernel, lengthscales, noiseRatio) else { return nil }
        let n = Double(count)
        return -0.5 * n * log(signalVariance) - 0.5 * factor.logDeterminant - 0.5 * n * (1 + log(2 * Double.pi))
    }

    func profiledSignalVariance(_ kernel: GaussianProcess.Kernel, _ lengthscales: [Double], _ noiseRatio: Double) -> Double {
        profile(kernel, lengthscales, noiseRatio)?.signalVariance ?? 1e-12
    }

    /// The factor of K = σ² R + (σ_n² + jitter) I, the weights K⁻¹ (y - m) and log p(y), or nil when K
    /// cannot be factored.
    func posterior(_ kernel: GaussianProcess.Kernel, _ hyperparameters: GaussianProcess.Hyperparameters, jitter: Double)
        -> (CholeskyFactor, [Double], Double)? {
        let signal = hyperparameters.signalVariance
        let ratio = (hyperparameters.noiseVariance + jitter) / signal
        let covariance = correlationMatrix(kernel, hyperparameters.lengthscales, diagonal: ratio).map { $0 * signal }
        guard let factor = CholeskyFactor(covariance, order: count) else { return nil }
        let residuals = targets.map { $0 - hyperparameters.mean }
        let weights = factor.solve(residuals)
        let quadratic = zip(residuals, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let logLikelihood = -0.5 * quadratic - 0.5 * factor.logDeterminant - 0.5 * Double(count) * log(2 * Double.pi)
        return (factor, weights, logLikelihood)
    }
}
