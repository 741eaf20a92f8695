import Foundation
@testable import FunnelCharts

/// Numbers in an SVG path's `d` attribute, as (x, y) pairs.
func pathPoints(_ d: String) -> [(Double, Double)] {
    let numbers = d.split(whereSeparator: { "MLZ ".contains($0) }).compactMap { Double($0) }
    return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
}
