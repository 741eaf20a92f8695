import Foundation

/// A point in pixels; y grows downwards as in SVG.
struct PixelPoint: Sendable, Hashable {
    var x: Double
    var y: Double
}

/// An axis-aligned rectangle in pixels.
struct ChartRect: Sendable, Hashable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var minX: Double { x }
    var maxX: Double { x + width }
    var minY: Double { y }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }

    /// A square of half-side `radius` around `p`.
    static func around(_ p: PixelPoint, radius: Double) -> ChartRect {
        ChartRect(x: p.x - radius, y: p.y - radius, width: 2 * radius, height: 2 * radius)
    }

    /// Grown by `amount` on every side.
    func expanded(by amount: Double) -> ChartRect {
        ChartRect(x: x - amount, y: y - amount, width: width + 2 * amount, height: height + 2 * amount)
    }

    func contains(_ p: PixelPoint) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }

    func intersects(_ other: ChartRect) -> Bool {
        minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }

    /// Whether `other` lies inside (to half a pixel).
    func encloses(_ other: ChartRect) -> Bool {
        other.minX >= minX - 0.5 && other.maxX <= maxX + 0.5 && other.minY >= minY - 0.5 && other.maxY <= maxY + 0.5
    }
}

/// What a mark drew in the plot, for labels to keep clear of.
enum Obstacle: Sendable {
    case box(ChartRect)
    case segment(PixelPoint, PixelPoint)

    func hits(_ box: ChartRect) -> Bool {
        switch self {
        case let .box(r): return r.intersects(box)
        case let .segment(a, b): return Clip.segment(a, b, to: box) != nil
        }
    }
}

/// Clipping to the plot in geometry, since SVG clip paths would need ids.
enum Clip {
    /// Liang–Barsky: the part of segment `a`–`b` inside `rect`, or nil.
    static func segment(_ a: PixelPoint, _ b: PixelPoint, to rect: ChartRect) -> (PixelPoint, PixelPoint)? {
        var t0 = 0.0, t1 = 1.0
        let dx = b.x - a.x, dy = b.y - a.y
        for (p, q) in [(-dx, a.x - rect.minX), (dx, rect.maxX - a.x), (-dy, a.y - rect.minY), (dy, rect.maxY - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let r = q / p
            if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
            if t0 > t1 { return nil }
        }
        return (PixelPoint(x: a.x + t0 * dx, y: a.y + t0 * dy), PixelPoint(x: a.x + t1 * dx, y: a.y + t1 * dy))
    }

    /// The visible runs (two points or more) of a polyline.
    static func polyline(_ points: [PixelPoint], to rect: ChartRect) -> [[PixelPoint]] {
        var runs: [[PixelPoint]] = [], current: [PixelPoint] = []
        for (a, b) in zip(points, points.dropFirst()) {
            guard let (p, q) = segment(a, b, to: rect) else { continue }
            if let last = current.last, abs(last.x - p.x) < 1e-9, abs(last.y - p.y) < 1e-9 {
                current.append(q)
            } else {
                if current.count > 1 { runs.append(current) }
                current = [p, q]
            }
        }
        if current.count > 1 { runs.append(current) }
        return runs
    }

    /// Sutherland–Hodgman: the part of a polygon inside `rect`.
    static func polygon(_ points: [PixelPoint], to rect: ChartRect) -> [PixelPoint] {
        let inside: [(PixelPoint) -> Double] = [{ $0.x - rect.minX }, { rect.maxX - $0.x }, { $0.y - rect.minY }, { rect.maxY - $0.y }]
        var output = points
        for distance in inside {
            let input = output
            output = []
            for (previous, point) in zip([input.last].compactMap { $0 } + input, input) {
                let (dp, dc) = (distance(previous), distance(point))
                if (dp < 0) != (dc < 0) {
                    let t = dp / (dp - dc)
                    output.append(PixelPoint(x: previous.x + t * (point.x - previous.x), y: previous.y + t * (point.y - previous.y)))
                }
                if dc >= 0 { output.append(point) }
            }
        }
        return output
    }
}

/// Ramer–Douglas–Peucker: drops points closer than `tolerance` pixels to the line through their
/// kept neighbours, so curves of hundreds of samples cost a fraction of the bytes, unchanged to the eye.
func simplified(_ points: [PixelPoint], tolerance: Double = 0.1) -> [PixelPoint] {
    guard points.count > 2 else { return points }
    var keep = [Bool](repeating: false, count: points.count)
    keep[0] = true
    keep[points.count - 1] = true
    var stack = [(0, points.count - 1)]
    while let (first, last) = stack.popLast() {
        guard last > first + 1 else { continue }
        let a = points[first], b = points[last]
        let length = max(hypot(b.x - a.x, b.y - a.y), 1e-12)
        let distances = (first + 1..<last).map { i in
            abs((b.y - a.y) * points[i].x - (b.x - a.x) * points[i].y + b.x * a.y - b.y * a.x) / length
        }
        let farthest = distances.indices.max { distances[$0] < distances[$1] }!
        if distances[farthest] > tolerance {
            keep[first + 1 + farthest] = true
            stack += [(first, first + 1 + farthest), (first + 1 + farthest, last)]
        }
    }
    return points.indices.filter { keep[$0] }.map { points[$0] }
}
