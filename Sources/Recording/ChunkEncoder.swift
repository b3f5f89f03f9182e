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

/// Filters the chunks of the trace's datasets on every core while the writer thread goes on taking rows, and
/// stores them in order on the writer thread (HDF5 itself is serial). A dataset without writer-side filters is
/// appended through HDF5 as before.
///
/// Whole chunks are handed over as they fill (`submitWholeChunks`) and stored once filtered (`storeFinished`, or
/// `storeAll`, which waits): the writer does not wait for deflate, the producer does not wait for the writer.
/// Before a flush, `writeAll` waits for them all and then stores each dataset's partial last chunk, so the file
/// holds every row when `H5Fflush` runs. Chunks in flight are bounded (`maximumChunksInFlight`): past that,
/// handing over more waits for the oldest, which keeps memory bounded when rows come faster than deflate goes.
///
/// Which task encodes which chunk depends on timing; what each chunk becomes does not (`ChunkFilters.encode` is a
/// pure function of its rows), and chunks are stored in the order they were handed over, so the file's data is
/// the same bits for any task count.
///
/// Not `Sendable`: it lives on the writer thread; only the encoding runs elsewhere.
final class ChunkEncoder {
    /// Concurrent encoding tasks.
    let tasks: Int
    /// Batches handed over and not yet stored, oldest first.
    private var inFlight: [Batch] = []
    private var chunksInFlight = 0

    /// Enough to keep every task busy while the writer stores the previous batch.
    var maximumChunksInFlight: Int { 16 * tasks }

    init(tasks: Int) {
        self.tasks = max(1, tasks)
    }

    /// Chunks of datasets that are written together, on their way through the encoding tasks.
    private final class Batch {
        let parts: [(store: any ChunkStore, run: ChunkRun)]
        let results: EncodedChunks
        let done = DispatchSemaphore(value: 0)
        var chunkCount: Int { results.count }

        init(parts: [(store: any ChunkStore, run: ChunkRun)], results: EncodedChunks) {
            self.parts = parts
            self.results = results
        }
    }

    /// Hands over every whole chunk of `stores` (datasets that go together) to be filtered and stored later;
    /// datasets HDF5 filters are appended now.
    func submitWholeChunks(_ stores: [any ChunkStore]) throws(HDF5Error) {
        let parts = try takeWholeChunks(of: stores)
        let chunks = parts.flatMap(\.run.chunks)
        guard !chunks.isEmpty else { return }
        while !inFlight.isEmpty && chunksInFlight + chunks.count > maximumChunksInFlight {
            try storeOldest()
        }
        let batch = Batch(parts: parts, results: EncodedChunks(chunks))
        inFlight.append(batch)
        chunksInFlight += chunks.count
        let (tasks, results, done) = (tasks, batch.results, batch.done)
        DispatchQueue.global().async {
            results.encodeAll(tasks: tasks)
            done.signal()
        }
        try storeFinished()
    }

    /// The whole chunks each store holds, taken from it; datasets HDF5 filters are appended now instead.
    private func takeWholeChunks(of stores: [any ChunkStore]) throws(HDF5Error) -> [(
        store: any ChunkStore, run: ChunkRun
    )] {
        var parts: [(store: any ChunkStore, run: ChunkRun)] = []
        for store in stores {
            guard store.filters != nil else {
                try store.write()
                continue
            }
            if let run = store.takeWholeChunks() { parts.append((store, run)) }
        }
        return parts
    }

    /// Stores the batches already filtered, oldest first, stopping at the first that is not.
    func storeFinished() throws(HDF5Error) {
        while let oldest = inFlight.first, oldest.results.isComplete {
            try storeOldest()
        }
    }

    /// Waits for every batch in flight and stores it.
    func storeAll() throws(HDF5Error) {
        while !inFlight.isEmpty { try storeOldest() }
    }

    private func storeOldest() throws(HDF5Error) {
        let batch = inFlight.removeFirst()
        chunksInFlight -= batch.chunkCount
        batch.done.wait()
        var offset = 0
        for (store, run) in batch.parts {
            try store.store(run, encoded: batch.results.range(offset..<(offset + run.chunks.count)))
            offset += run.chunks.count
        }
    }

    /// Puts every pending row of `stores` in the file: what is in flight, then the whole and the partial chunks
    /// still held, filtered here and now on every core.
    func writeAll(_ stores: [any ChunkStore]) throws(HDF5Error) {
        try storeAll()
        let parts = try takeWholeChunks(of: stores)
        // The whole chunks are stored before the partial ones are taken, which start where they end.
        try encodeAndStore(parts)
        try encodeAndStore(stores.compactMap { store in store.takePartialChunk().map { (store, $0) } })
    }

    private func encodeAndStore(_ parts: [(store: any ChunkStore, run: ChunkRun)]) throws(HDF5Error) {
        guard !parts.isEmpty else { return }
        let results = EncodedChunks(parts.flatMap(\.run.chunks))
        results.encodeAll(tasks: tasks)
        var offset = 0
        for (store, run) in parts {
            try store.store(run, encoded: results.range(offset..<(offset + run.chunks.count)))
            offset += run.chunks.count
        }
    }
}

/// The chunks of one batch and their filtered bytes, shared by the tasks that encode them: each task claims the
/// next chunk as it finishes one, so a few large chunks (the `grad` tables') and many small ones spread evenly.
///
/// `@unchecked Sendable`: every mutable property is touched only while `lock` is held.
private final class EncodedChunks: @unchecked Sendable {
    private let chunks: [PendingChunk]
    private let lock = NSLock()
    private var next = 0
    private var finished = 0
    private var results: [[UInt8]]

    init(_ chunks: [PendingChunk]) {
        self.chunks = chunks
        results = Array(repeating: [], count: chunks.count)
    }

    var count: Int { chunks.count }

    var isComplete: Bool { lock.withLock { finished == chunks.count } }

    /// Encodes every chunk on up to `tasks` tasks (this thread among them); returns when all are done.
    func encodeAll(tasks: Int) {
        let workers = min(tasks, chunks.count)
        RowParallel(maximumTaskCount: max(1, workers)).parallelRows(count: max(1, workers), minimumRowsPerTask: 1) {
            _ in
            while let index = self.claim() {
                let chunk = self.chunks[index]
                let bytes = chunk.rows.withUnsafeBytes { chunk.filters.encode($0) }
                self.lock.withLock {
                    self.results[index] = bytes
                    self.finished += 1
                }
            }
        }
    }

    private func claim() -> Int? {
        lock.withLock {
            guard next < chunks.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func range(_ range: Range<Int>) -> [[UInt8]] { lock.withLock { Array(results[range]) } }
}
