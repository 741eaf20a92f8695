/// Text beside data points (the text mark): each label takes the first of eight places around its
/// point that stays inside the plot and clear of what the layers before it drew and of earlier
/// labels, else the least crowded place. Put it after the layers it labels.
public struct Labels: Mark {
    public var x: [Double]
    public var y: [Double]
    public var texts: [String]

    public init(x: [Double], y: [Double], texts: [String]) {
        precondition(x.count == y.count && texts.count == x.count, "[Labels] x, y and texts differ in length")
        (self.x, self.y, self.texts) = (x, y, texts)
    }

    public var extent: (x: [Double], y: [Double]) { (x, y) }

    /// A label's text, anchor and baseline position, with its (estimated) box.
    struct Placed {
        var text: String, anchor: String, x: Double, y: Double, box: ChartRect

        init(_ text: String, _ anchor: String, _ x: Double, _ y: Double, fontSize: Double) {
            let width = TextMetrics.width(text, fontSize: fontSize)
            let left = anchor == "start" ? x : anchor == "end" ? x - width : x - width / 2
            (self.text, self.anchor, self.x, self.y) = (text, anchor, x, y)
            box = ChartRect(x: left - 1, y: y - fontSize * 0.78 - 1, width: width + 2, height: fontSize + 2)
        }
    }

    /// Where each label goes (labels of points outside the plot are left out).
    func place(in area: PlotArea) -> [Placed] {
        let size = area.style.annotationSize, gap = area.style.markerRadius + 3
        let (mid, diagonal) = (size * 0.35, gap * 0.75)
        var placed: [Placed] = []
        for i in x.indices where !texts[i].isEmpty {
            guard let q = area.pixel(x[i], y[i]), area.rect.contains(q) else { continue }
            let t = texts[i]
            let candidates = [
                Placed(t, "start", q.x + gap, q.y + mid, fontSize: size), Placed(t, "end", q.x - gap, q.y + mid, fontSize: size),
                Placed(t, "start", q.x + diagonal, q.y - diagonal - 2, fontSize: size), Placed(t, "start", q.x + diagonal, q.y + diagonal + size * 0.8, fontSize: size),
                Placed(t, "end", q.x - diagonal, q.y - diagonal - 2, fontSize: size), Placed(t, "end", q.x - diagonal, q.y + diagonal + size * 0.8, fontSize: size),
                Placed(t, "middle", q.x, q.y - gap - 3, fontSize: size), Placed(t, "middle", q.x, q.y + gap + size * 0.8, fontSize: size),
            ]
            // Leaving the plot costs most, then covering another label, then covering data.
            func cost(_ c: Placed) -> Int {
                (area.rect.encloses(c.box) ? 0 : 10_000) + 1_000 * placed.filter { $0.box.intersects(c.box) }.count
                    + 10 * area.covered.filter { $0.hits(c.box.expanded(by: 2)) }.count
            }
            let costs = candidates.map(cost)
            placed.append(candidates[costs.firstIndex(of: 0) ?? costs.indices.min { costs[$0] < costs[$1] }!])
        }
        return placed
    }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let placed = place(in: area)
        area.covered += placed.map { .box($0.box) }
        svg.group([("class", "point-labels"), ("font-size", svgNumber(area.style.annotationSize)), ("fill", area.style.textColor.hex)]) { svg in
            for label in placed { svg.text(label.text, x: label.x, y: label.y, label.anchor == "start" ? [] : [("text-anchor", label.anchor)]) }
        }
    }
}
