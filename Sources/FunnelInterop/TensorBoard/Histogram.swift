extension TensorBoard {
    /// A `HistogramProto` (summary.proto): the distribution of a set of values. Bucket `i` counts
    /// the values in `[bucketLimits[i-1], bucketLimits[i])`, the first from `min`; TensorBoard
    /// reads the last limit as `max`.
    public struct Histogram: Equatable, Sendable {
        public var min: Double
        public var max: Double
        public var count: Double
        public var sum: Double
        public var sumOfSquares: Double
        public var bucketLimits: [Double]
        public var bucketCounts: [Double]

        /// `values` in `buckets` equal buckets between their minimum and maximum (TensorBoard's own
        /// summaries use 30); nil when there are no values or one is not finite, which no
        /// histogram can show.
        public init?(_ values: [Float], buckets: Int = 30) {
            guard let lowest = values.min(), let highest = values.max(), lowest.isFinite, highest.isFinite,
                  values.allSatisfy(\.isFinite) else { return nil }
            let low = Double(lowest), high = Double(highest)
            // Equal values make one bucket of zero width.
            let bucketCount = high > low ? Swift.max(1, buckets) : 1
            let width = (high - low) / Double(bucketCount)
            var counts = [Double](repeating: 0, count: bucketCount)
            for value in values {
                let index = width > 0 ? Int((Double(value) - low) / width) : 0
                counts[Swift.min(index, bucketCount - 1)] += 1
            }
            min = low
            max = high
            count = Double(values.count)
            sum = values.reduce(0) { $0 + Double($1) }
            sumOfSquares = values.reduce(0) { $0 + Double($1) * Double($1) }
            bucketLimits = (1...bucketCount).map { $0 == bucketCount ? high : low + width * Double($0) }
            bucketCounts = counts
        }

        func encode(into w: inout ProtobufWriter) {
            w.double(1, min)
            w.double(2, max)
            w.double(3, count)
            w.double(4, sum)
            w.double(5, sumOfSquares)
            w.packedDoubles(6, bucketLimits)
            w.packedDoubles(7, bucketCounts)
        }
    }
}
