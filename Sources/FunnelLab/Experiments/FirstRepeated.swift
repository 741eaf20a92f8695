/// The first entry of `list` that an earlier one repeats, if any: a grid's or comparison's seeds and
/// activations, a sweep's categorical values (each listed twice would be one run or choice counted twice).
public func firstRepeated<T: Hashable>(_ list: [T]) -> T? {
    var seen = Set<T>()
    return list.first { !seen.insert($0).inserted }
}
