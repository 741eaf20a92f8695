import Testing
@testable import FunnelData

@Suite struct SyntheticTests {
    @Test func deterministicPerSeedAndStableUnderLargerCounts() {
        let a = SyntheticDataset.make(trainCount: 30, testCount: 10, seed: 7)
        #expect(a == SyntheticDataset.make(trainCount: 30, testCount: 10, seed: 7))
        #expect(a.train.pixels != SyntheticDataset.make(trainCount: 30, testCount: 10, seed: 8).train.pixels)
        #expect(a.train.image(0) != a.test.image(0)) // the splits draw from different streams
        let larger = SyntheticDataset.make(trainCount: 45, testCount: 10, seed: 7)
        #expect(Array(larger.train.pixels.prefix(a.train.pixels.count)) == a.train.pixels)
        #expect(a.train.classes.count == 10 && a.train.height == 32 && a.train.width == 32 && a.train.channels == 3)
    }

    @Test func classesAreBalanced() {
        let d = SyntheticDataset.make(trainCount: 1000, testCount: 95, seed: 0)
        #expect(d.train.classCounts == Array(repeating: 100, count: 10))
        #expect(d.test.classCounts == [10, 10, 10, 10, 10, 9, 9, 9, 9, 9])
    }

    /// Each image's mean colour, and a nearest-centroid classifier on it.
    @Test func colourAloneDoesNotTellClassesApart() {
        let d = SyntheticDataset.make(trainCount: 2000, testCount: 1000, seed: 5)
        func meanColours(_ set: ImageDataset) -> [[Double]] {
            (0..<set.count).map { i in
                let image = set.image(i)
                return (0..<3).map { c in stride(from: image.startIndex + c, to: image.endIndex, by: 3).reduce(0.0) { $0 + Double(image[$1]) } / 1024 }
            }
        }
        let train = meanColours(d.train), test = meanColours(d.test)
        var centroids = [[Double]](repeating: [0, 0, 0], count: 10)
        for (colour, label) in zip(train, d.train.labels) { for c in 0..<3 { centroids[label][c] += colour[c] / 200 } }
        let overall = (0..<3).map { c in centroids.map { $0[c] }.reduce(0, +) / 10 }
        print("per-class mean colours: \(centroids.map { $0.map { Int($0) } }), overall \(overall.map { Int($0) })")
        // Mean colours spread with a standard deviation of about 55 per image, so about 4 for a
        // mean of 200 images; a class with a colour of its own would be off by tens.
        for centroid in centroids { for c in 0..<3 { #expect(abs(centroid[c] - overall[c]) < 16) } }
        let correct = zip(test, d.test.labels).filter { colour, label in
            let distances = centroids.map { m in (0..<3).map { (m[$0] - colour[$0]) * (m[$0] - colour[$0]) }.reduce(0, +) }
            return distances.firstIndex(of: distances.min()!) == label
        }.count
        print("nearest mean colour accuracy: \(Double(correct) / 1000)")
        #expect(Double(correct) / 1000 < 0.16)
    }

    /// The stripe classes differ in orientation: the direction along which brightness changes least
    /// is the stripes' direction.
    @Test func stripeClassesHaveTheirOrientation() {
        let d = SyntheticDataset.make(trainCount: 400, testCount: 0, seed: 9).train
        // The bands of classes 0...3 run along these (dy, dx) steps: horizontal, vertical, diagonal
        // (top left to bottom right, like a matrix's), antidiagonal.
        let steps = [(0, 1), (1, 0), (1, 1), (1, -1)]
        var right = 0, total = 0
        for i in 0..<d.count where d.labels[i] < 4 {
            let image = d.image(i)
            func luma(_ y: Int, _ x: Int) -> Int { (0..<3).reduce(0) { $0 + Int(image[image.startIndex + (y * 32 + x) * 3 + $1]) } }
            let change = steps.map { (dy, dx) -> Int in
                var sum = 0
                for y in 1..<31 { for x in 1..<31 { sum += abs(luma(y + dy, x + dx) - luma(y, x)) } }
                return sum
            }
            right += change.firstIndex(of: change.min()!) == d.labels[i] ? 1 : 0
            total += 1
        }
        #expect(Double(right) / Double(total) > 0.9, "\(right) of \(total)")
    }
}
