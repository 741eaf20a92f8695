import CDNNL
import CKernels

/// Layout changes between Funnel's channels-last activations and oneDNN's 16-channel blocks
/// (`nChw16c`: `[N, C/16, H, W, 16]`), the only layout oneDNN's Winograd convolutions read and
/// write (`reorder` takes `copy` for every such change). Funnel's kernel (`channel_blocks.c`)
/// streams the copy past the caches where oneDNN's reorder reads every line it writes first:
/// twice as fast on ResNet-18's 32 MB activations.
package enum ChannelBlocks {
    /// The 16-channel-block descriptor of `[N, C, H, W]` dims.
    static func md(_ dims: [Int]) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_tag(&md, 4, dims.map { Int64($0) }, dnnl_f32, dnnl_nChw16c), "memory_desc nChw16c \(dims)")
        return md
    }

    /// Channels-last `src` of `[N, C, H, W]` dims (C a multiple of 16) into 16-channel blocks.
    package static func toBlocks(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, dims: [Int]) {
        copy(src, dst, toBlocks: true, dims: dims)
    }

    /// 16-channel blocks back into channels-last.
    package static func fromBlocks(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, dims: [Int]) {
        copy(src, dst, toBlocks: false, dims: dims)
    }

    /// Either change, over the N x H x W positions in parallel.
    private static func copy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, toBlocks: Bool, dims: [Int]) {
        precondition(dims.count == 4 && dims[1] % 16 == 0, "[layout] 16-channel blocks of \(dims)")
        let (c, hw) = (dims[1], dims[2] * dims[3])
        parallelChunks(dims[0] * hw, minimumPerThread: max(1, 16384 / max(1, c))) { q in
            funnel_channel_blocks(src, dst, toBlocks ? 1 : 0, q.lowerBound, q.upperBound, hw, c)
        }
    }

    /// Copies `src` (layout `from`) to `dst` (layout `to`) when one layout is channels-last and the
    /// other 16-channel blocks of the same dims, and returns true; returns false, copying nothing,
    /// for any other pair.
    static func copy(_ from: dnnl_memory_desc_t, _ src: UnsafeRawPointer, _ to: dnnl_memory_desc_t,
                     _ dst: UnsafeMutableRawPointer) -> Bool {
        // Every copy goes through here (`reorder`): plain strided pairs, with no inner blocks on
        // either side, leave before any descriptor is built.
        guard from.ndims == 4, to.ndims == 4,
              from.format_desc.blocking.inner_nblks + to.format_desc.blocking.inner_nblks > 0 else { return false }
        let dims = withUnsafeBytes(of: from.dims) { $0.bindMemory(to: Int64.self).prefix(4).map { Int($0) } }
        guard dims[1] % 16 == 0 else { return false }
        let s = src.assumingMemoryBound(to: Float.self), d = dst.assumingMemoryBound(to: Float.self)
        let channelsLast = Layout.channelsLast(dims).md, blocks = md(dims)
        if sameMD(from, channelsLast) && sameMD(to, blocks) {
            toBlocks(s, d, dims: dims)
        } else if sameMD(from, blocks) && sameMD(to, channelsLast) {
            fromBlocks(s, d, dims: dims)
        } else {
            return false
        }
        return true
    }
}
