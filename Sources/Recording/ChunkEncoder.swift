import Foundation
import HDF5
import Tensors

/// How a trace writer compresses its chunks.
public enum TraceChunkWriting: Sendable, Hashable {
    /// HDF5's shuffle and deflate filters inside `H5Dwrite`, on the writer thread: one core's zlib, and a partial
    /// chunk read back and inflated each time it grows. What NormScope did before `parallel`; kept so that a
    /// benchmark can time both.
    case hdf5Filters
    /// Whole chunks shuffled and deflated (libdeflate) by `tasks` concurrent tasks and stored as they are with
    /// `H5Dwrite_chunk`; the file declares the same filters, so every HDF5 reader decodes it with its own.
    case parallel(tasks: Int)

    /// `parallel` on every active processor.
    public static var automatic: TraceChunkWriting { .parallel(tasks: ProcessInfo.processInfo.activeProcessorCount) }
}

/// Filters the chunks of several datasets at once on every core, then stores them in order on the writer thread
/// (HDF5 itself is serial). A dataset without writer-side filters is appended through HDF5 as before.
///
/// Which task encodes which chunk depends on timing; what each chunk becomes does not (`ChunkFilters.encode` is
/// a pure function of its rows), and the chunks are stored in one fixed order, so the file's data is the same bits
/// for any task count.
struct ChunkEncoder {
    /// Concurrent tasks; 1 encodes on the writer thread itself.
    let tasks: Int

    /// Appends the pending rows of `stores` (`wholeChunksOnly`: those that complete a chunk) to their datasets, all
    /// together: their row counts agree again when it returns.
    func write(_ stores: [any ChunkStore], wholeChunksOnly: Bool) throws(HDF5Error) {
        var pending: [(store: any ChunkStore, chunks: Range<Int>)] = []
        var chunks: [PendingChunk] = []
        for store in stores {
            if store.filters == nil {
                try store.write()
                continue
            }
            let more = store.chunksToStore(wholeChunksOnly: wholeChunksOnly)
            pending.append((store, chunks.count..<(chunks.count + more.count)))
            chunks += more
        }
        guard !chunks.isEmpty else { return }
        let encoded = encode(chunks)
        for (store, range) in pending where !range.isEmpty {
            try store.store(Array(encoded[range]))
        }
    }

    /// Each chunk filtered, in the order given. Tasks take the next chunk as they finish one, so a few large chunks
    /// (the `grad` tables') and many small ones spread evenly.
    func encode(_ chunks: [PendingChunk]) -> [[UInt8]] {
        let results = EncodedChunks(count: chunks.count)
        let workers = min(tasks, chunks.count)
        if workers <= 1 {
            for (index, chunk) in chunks.enumerated() { results.set(index, Self.encode(chunk)) }
            return results.values
        }
        RowParallel(maximumTaskCount: workers).parallelRows(count: workers, minimumRowsPerTask: 1) { _ in
            while let index = results.claim() {
                results.set(index, Self.encode(chunks[index]))
            }
        }
        return results.values
    }

    private static func encode(_ chunk: PendingChunk) -> [UInt8] {
        chunk.rows.withUnsafeBytes { chunk.filters.encode($0) }
    }
}

/// The results of one `encode`, shared by its tasks: the next chunk to claim, and each chunk's bytes once filtered.
///
/// `@unchecked Sendable`: every property is touched only while `lock` is held.
private final class EncodedChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var results: [[UInt8]]

    init(count: Int) { results = Array(repeating: [], count: count) }

    func claim() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func set(_ index: Int, _ bytes: [UInt8]) { lock.withLock { results[index] = bytes } }

    var values: [[UInt8]] { lock.withLock { results } }
}
