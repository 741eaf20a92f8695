import CDNNL

/// Memory a primitive reads or writes, in the layout it wants: the caller's own memory when that is
/// the layout, else a copy reordered in (an input) or out after the run (`writeBack`, an output).
struct Staged {
    let wanted: dnnl_memory_desc_t
    let pointer: UnsafeMutableRawPointer
    private let copy: Buffer?
    private let user: dnnl_memory_desc_t
    private let userPointer: UnsafeMutableRawPointer

    /// `key` names the reorder (with `user` and `wanted` fixed by it) in the primitive cache.
    init(input user: dnnl_memory_desc_t, _ data: UnsafePointer<Float>, wanted: dnnl_memory_desc_t, key: AnyHashable...) {
        self.init(user: user, UnsafeMutableRawPointer(mutating: data), wanted: wanted)
        if let copy { reorder(user, data, wanted, copy.pointer, key: "in", AnyHashable(key)) }
    }

    init(output user: dnnl_memory_desc_t, _ data: UnsafeMutablePointer<Float>, wanted: dnnl_memory_desc_t) {
        self.init(user: user, UnsafeMutableRawPointer(data), wanted: wanted)
    }

    private init(user: dnnl_memory_desc_t, _ data: UnsafeMutableRawPointer, wanted: dnnl_memory_desc_t) {
        self.user = user; self.userPointer = data; self.wanted = wanted
        copy = sameMD(user, wanted) ? nil : Buffer(count: mdBytes(wanted) / 4)
        pointer = copy.map { UnsafeMutableRawPointer($0.pointer) } ?? data
    }

    /// Copies an output's staged values to the caller's memory (nothing when it was written in place).
    func writeBack(key: AnyHashable...) {
        if let copy { reorder(wanted, copy.pointer, user, userPointer, key: "out", AnyHashable(key)) }
    }
}
