import CCodecs

/// The decompressed bytes of a gzip (or zlib) stream, inflated with zlib in large chunks.
///
/// Concatenated gzip members (what `cat a.gz b.gz` or parallel gzip tools write) are read as one
/// stream. A stream that ends before its end marker, or whose data zlib rejects (including a CRC
/// mismatch), is an error naming the file.
final class GzipStream: ByteStream {
    private let source: ByteStream
    private let file: String
    /// zlib keeps a pointer back to the stream in its state and checks it, so the `z_stream` must
    /// not move: it lives on the heap.
    private let z: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var compressedBytesRead = 0
    private var finished = false

    /// Inflates `source`, a gzip stream read from `file` (named in errors).
    init(_ source: ByteStream, file: String, chunkSize: Int = 1 << 20) throws {
        self.source = source
        self.file = file
        input = .allocate(byteCount: chunkSize, alignment: 16)
        z = .allocate(capacity: 1)
        z.initialize(to: z_stream())
        // 15 + 32: the largest window, and detect a gzip or zlib header automatically.
        let status = inflateInit2_(z, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate(); z.deallocate()
            throw DataError(.io, file: file, "zlib cannot start inflating (status \(status))")
        }
    }

    deinit {
        inflateEnd(z)
        z.deallocate()
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        z.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
        z.pointee.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        let capacity = Int(z.pointee.avail_out)
        while z.pointee.avail_out > 0 && !finished {
            if z.pointee.avail_in == 0, try !refill() {
                throw DataError(.truncated, file: file,
                                "gzip stream ends after \(compressedBytesRead) compressed bytes, before its end marker")
            }
            let status = inflate(z, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                try startNextMemberOrFinish()
            default:
                let reason = z.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DataError(.corrupt, file: file,
                                "bad gzip data near compressed byte \(compressedBytesRead - Int(z.pointee.avail_in)): \(reason)")
            }
        }
        return capacity - Int(z.pointee.avail_out)
    }

    /// Reads the next chunk of compressed input; false at the end of the file.
    private func refill() throws -> Bool {
        let n = try source.read(into: input)
        compressedBytesRead += n
        z.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        z.pointee.avail_in = UInt32(n)
        return n > 0
    }

    /// After a member's end: go on if another gzip member follows, otherwise stop. Bytes after
    /// the last member that are not a gzip header (padding some tools add) are ignored.
    private func startNextMemberOrFinish() throws {
        if z.pointee.avail_in == 0, try !refill() { finished = true; return }
        if z.pointee.avail_in >= 2 && z.pointee.next_in[0] == 0x1F && z.pointee.next_in[1] == 0x8B {
            inflateReset(z)
        } else {
            finished = true
        }
    }
}
