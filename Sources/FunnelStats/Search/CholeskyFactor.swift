import Foundation

/// The Cholesky factor L (A = L Lᵀ) of a small symmetric positive-definite matrix, with the solves a
/// Gaussian process needs. Row-major storage; the dimensions here are tens, so a plain O(n³) loop is right.
struct CholeskyFactor: Sendable {
    /// The order of the matrix.
    let order: Int
    /// L, row-major, zeros above the diagonal.
    private(set) var lower: [Double]

    /// Factors `matrix` (row-major, `order` × `order`, only the lower triangle is read); nil when it is not
    /// numerically positive definite.
    init?(_ matrix: [Double], order n: Int) {
        precondition(matrix.count == n * n, "[CholeskyFactor] expected \(n * n) entries, got \(matrix.count)")
        var l = matrix
        let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
            for j in 0..<n {
                var diagonal = l[j * n + j]
                for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
                guard diagonal > 0, diagonal.isFinite else { return false }
                let pivot = diagonal.squareRoot()
                l[j * n + j] = pivot
                for i in (j + 1)..<n {
                    var sum = l[i * n + j]
                    for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                    l[i * n + j] = sum / pivot
                }
                for i in 0..<j { l[i * n + j] = 0 }
            }
            return true
        }
        guard ok else { return nil }
        order = n
        lower = l
    }

    /// x with L x = b (forward substitution).
    func solveLower(_ b: [Double]) -> [Double] {
        let n = order
        var x = b
        lower.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<n {
                    var sum = x[i]
                    for k in 0..<i { sum -= l[i * n + k] * x[k] }
                    x[i] = sum / l[i * n + i]
                }
            }
        }
        return x
    }

    /// x with Lᵀ x = b (back substitution).
    func solveUpper(_ b: [Double]) -> [Double] {
        let n = order
        var x = b
        lower.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var sum = x[i]
                    for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
                    x[i] = sum / l[i * n + i]
                }
            }
        }
        return x
    }

    /// x with A x = b.
    func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

    /// log det A = 2 Σ log L_ii.
    var logDeterminant: Double {
        (0..<order).reduce(0) { $0 + 2 * log(lower[$1 * order + $1]) }
    }
}
