import Foundation

/// Width and height of a chart in SVG pixels.
public struct ChartSize: Sendable, Hashable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
}

/// Space between a chart's outer edge and its plot area, in pixels.
public struct ChartInsets: Sendable, Hashable {
    public var top: Double
    public var right: Double
    public var bottom: Double
    public var left: Double

    public init(top: Double, right: Double, bottom: Double, left: Double) {
        self.top = top
        self.right = right
        self.bottom = bottom
        self.left = left
    }
}

/// An axis-aligned rectangle in pixels; y grows downwards as in SVG.
public struct ChartRect: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var minX: Double { x }
    public var maxX: Double { x + width }
    public var minY: Double { y }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }

    /// The rectangle grown by `amount` on every side (shrunk when negative).
    public func expanded(by amount: Double) -> ChartRect {
        ChartRect(x: x - amount, y: y - amount, width: width + 2 * amount, height: height + 2 * amount)
    }

    func contains(_ p: PixelPoint) -> Bool {
        p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY
    }

    func intersects(_ other: ChartRect) -> Bool {
        minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }

    /// Whether `other` lies entirely inside (with a small tolerance for rounding).
    func encloses(_ other: ChartRect) -> Bool {
        other.minX >= minX - 0.5 && other.maxX <= maxX + 0.5 && other.minY >= minY - 0.5 && other.maxY <= maxY + 0.5
    }
}

/// A point in pixel space.
struct PixelPoint: Sendable, Hashable {
    var x: Double
    var y: Double
}

enum Clip {
    /// Liang–Barsky: the part of segment `a`–`b` inside `rect`, or nil.
    static func segment(_ a: PixelPoint, _ b: PixelPoint, to rect: ChartRect) -> (PixelPoint, PixelPoint)? {
        var t0 = 0.0
        var t1 = 1.0
        let dx = b.x - a.x
        let dy = b.y - a.y
        let checks: [(Double, Double)] = [
            (-dx, a.x - rect.minX), (dx, rect.maxX - a.x),
            (-dy, a.y - rect.minY), (dy, rect.maxY - a.y),
        ]
        for (p, q) in checks {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 {
                    if r > t1 { return nil }
                    if r > t0 { t0 = r }
                } else {
                    if r < t0 { return nil }
                    if r < t1 { t1 = r }
                }
            }
        }
        return (PixelPoint(x: a.x + t0 * dx, y: a.y + t0 * dy), PixelPoint(x: a.x + t1 * dx, y: a.y + t1 * dy))
    }

    /// Clips a polyline to `rect`, returning the visible runs (each at least two points).
    static func polyline(_ points: [PixelPoint], to rect: ChartRect) -> [[PixelPoint]] {
        if points.count == 1 {
            return rect.contains(points[0]) ? [points] : []
        }
        var runs: [[PixelPoint]] = []
        var current: [PixelPoint] = []
        for i in 1..<points.count {
            guard let (p, q) = segment(points[i - 1], points[i], to: rect) else {
                if current.count > 1 { runs.append(current) }
                current = []
                continue
            }
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

    /// Sutherland–Hodgman: the part of a (possibly concave) polygon inside `rect`.
    static func polygon(_ points: [PixelPoint], to rect: ChartRect) -> [PixelPoint] {
        var output = points
        let edges: [(PixelPoint) -> Double] = [
            { $0.x - rect.minX }, { rect.maxX - $0.x }, { $0.y - rect.minY }, { rect.maxY - $0.y },
        ]
        for inside in edges {
            let input = output
            output = []
            guard let last = input.last else { break }
            var previous = last
            for point in input {
                let dCurrent = inside(point)
                let dPrevious = inside(previous)
                if dCurrent >= 0 {
                    if dPrevious < 0 { output.append(intersection(previous, point, dPrevious, dCurrent)) }
                    output.append(point)
                } else if dPrevious >= 0 {
                    output.append(intersection(previous, point, dPrevious, dCurrent))
                }
                previous = point
            }
        }
        return output
    }

    private static func intersection(_ a: PixelPoint, _ b: PixelPoint, _ da: Double, _ db: Double) -> PixelPoint {
        let t = da / (da - db)
        return PixelPoint(x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y))
    }
}

/// Something drawn in the plot area that a legend or a label must not cover.
enum Obstacle {
    case segment(PixelPoint, PixelPoint)
    case point(PixelPoint, radius: Double)
    case rect(ChartRect)
    case polygon([PixelPoint])

    func hits(_ box: ChartRect) -> Bool {
        switch self {
        case let .segment(a, b):
            return Clip.segment(a, b, to: box) != nil
        case let .point(p, radius):
            return box.expanded(by: radius).contains(p)
        case let .rect(r):
            return r.intersects(box)
        case let .polygon(points):
            guard points.count > 2 else { return false }
            for i in points.indices where Clip.segment(points[i], points[(i + 1) % points.count], to: box) != nil {
                return true
            }
            return Obstacle.polygonContains(points, PixelPoint(x: box.midX, y: box.midY))
        }
    }

    /// Even-odd ray casting.
    static func polygonContains(_ polygon: [PixelPoint], _ p: PixelPoint) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i]
            let b = polygon[j]
            if (a.y > p.y) != (b.y > p.y) {
                let xCross = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                if p.x < xCross { inside.toggle() }
            }
            j = i
        }
        return inside
    }
}

enum Simplify {
    /// Ramer–Douglas–Peucker: drops points closer than `tolerance` pixels to the line through
    /// their kept neighbours, so dense curves (hundreds of samples) cost a fraction of the bytes
    /// with no visible change.
    static func polyline(_ points: [PixelPoint], tolerance: Double = 0.1) -> [PixelPoint] {
        guard points.count > 2 else { return points }
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        var stack: [(Int, Int)] = [(0, points.count - 1)]
        while let (first, last) = stack.popLast() {
            guard last > first + 1 else { continue }
            let a = points[first]
            let b = points[last]
            let dx = b.x - a.x
            let dy = b.y - a.y
            let length = (dx * dx + dy * dy).squareRoot()
            var farthest = first
            var maxDistance = -1.0
            for i in (first + 1)..<last {
                let p = points[i]
                let distance: Double
                if length < 1e-12 {
                    distance = ((p.x - a.x) * (p.x - a.x) + (p.y - a.y) * (p.y - a.y)).squareRoot()
                } else {
                    distance = abs(dy * p.x - dx * p.y + b.x * a.y - b.y * a.x) / length
                }
                if distance > maxDistance {
                    maxDistance = distance
                    farthest = i
                }
            }
            if maxDistance > tolerance {
                keep[farthest] = true
                stack.append((first, farthest))
                stack.append((farthest, last))
            }
        }
        return points.indices.compactMap { keep[$0] ? points[$0] : nil }
    }
}
