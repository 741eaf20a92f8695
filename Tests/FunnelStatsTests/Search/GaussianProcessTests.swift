import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct GaussianProcessTests {
    static let inputs: [[Double]] = [[0.1], [0.3], [0.45], [0.7], [0.9]]
    static let targets = [0.5, -0.2, 0.1, 0.8, 0.3]

    @Test func posteriorMatchesClosedForm() {
        // Reference in numpy (np.linalg.solve, slogdet), Matérn 5/2 with ℓ = 0.25, σ² = 1.5, σ_n² = 0.01, m = 0.2:
        //   K = k(X, X) + σ_n² I;  mean = m + k(X*, X) K⁻¹ (y - m);  var = σ² - diag(k(X*, X) K⁻¹ k(X, X*));
        //   lml = -½ (y - m)ᵀ K⁻¹ (y - m) - ½ log|K| - (n/2) log 2π
        let model = GaussianProcess(inputs: Self.inputs, targets: Self.targets, kernel: .matern52,
                                    hyperparameters: .init(lengthscales: [0.25], signalVariance: 1.5, noiseVariance: 0.01, mean: 0.2))
        let expectedMean = [0.644292842085574, -0.18989791160665292, 0.4939341069514955, 0.13414018482430667]
        let expectedVariance = [0.2716178932806863, 0.00970350553130439, 0.10101693155105074, 0.27576592230791186]
        for (index, x) in [0.0, 0.3, 0.55, 1.0].enumerated() {
            let (mean, variance) = model.predict([x])
            expectClose(mean, expectedMean[index], tolerance: 1e-12)
            expectClose(variance, expectedVariance[index], tolerance: 1e-12)
        }
        expectClose(model.logMarginalLikelihood, -4.885049406157979, tolerance: 1e-12)
    }

    @Test func interpolatesTrainingPointsWithinNoise() {
        // With noise variance 1e-8 the posterior mean passes through the observations and is certain there.
        for kernel in GaussianProcess.Kernel.allCases {
            let model = GaussianProcess(inputs: Self.inputs, targets: Self.targets, kernel: kernel,
                                        hyperparameters: .init(lengthscales: [0.2], signalVariance: 1, noiseVariance: 1e-8))
            for (x, y) in zip(Self.inputs, Self.targets) {
                let (mean, variance) = model.predict(x)
                expectClose(mean, y, tolerance: 1e-6, absolute: true)
                #expect(variance < 1e-6)
            }
        }
    }

    @Test func duplicatedInputsStillFactor() {
        // Two identical inputs and no noise make K singular; the jitter must rescue it.
        let model = GaussianProcess(inputs: [[0.5], [0.5], [0.2]], targets: [1, 1, 0],
                                    hyperparameters: .init(lengthscales: [0.3], signalVariance: 1, noiseVariance: 0))
        expectClose(model.predict([0.5]).mean, 1, tolerance: 1e-4, absolute: true)
    }

    @Test func fittedModelPredictsHeldOutPoints() {
        // A smooth function on [0, 1]² seen on a 6 × 6 grid; the fitted GP should predict points between the
        // grid nodes well, be honest about its uncertainty there, and learn that the second coordinate
        // varies slowly (a longer length scale).
        func f(_ x: [Double]) -> Double { sin(6 * x[0]) + 0.2 * x[1] }
        let grid = (0..<6).flatMap { i in (0..<6).map { j in [Double(i) / 5, Double(j) / 5] } }
        let model = GaussianProcess.fitted(inputs: grid, targets: grid.map(f))
        for point in [[0.1, 0.5], [0.5, 0.3], [0.7, 0.9], [0.3, 0.1]] {
            let (mean, variance) = model.predict(point)
            let error = abs(mean - f(point))
            #expect(error < 0.1, "at \(point): predicted \(mean), true \(f(point))")
            #expect(error < 3 * variance.squareRoot(), "at \(point): error \(error), posterior sd \(variance.squareRoot())")
        }
        #expect(model.hyperparameters.lengthscales[1] > model.hyperparameters.lengthscales[0])
    }
}
