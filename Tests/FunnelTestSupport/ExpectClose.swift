import Testing

/// Expects `actual` within `tolerance` of `expected`, relative to max(1, |expected|) unless `absolute`.
public func expectClose(_ actual: Double, _ expected: Double, tolerance: Double = 1e-10, absolute: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let scale = absolute ? 1 : max(1, abs(expected))
    #expect(abs(actual - expected) <= tolerance * scale, "\(actual) is not within \(tolerance) of \(expected)",
            sourceLocation: sourceLocation)
}
