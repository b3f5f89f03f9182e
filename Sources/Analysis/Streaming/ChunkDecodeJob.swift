import Dispatch
import Foundation
import HDF5
import Tensors

/// One block of rows decoded from its raw chunks in the background, while the reader's caller works on the block
/// before it: `RowParallel`'s tasks each take the block's next undecoded chunk until none is left, so a task that
/// loses its core to the caller for a while leaves its chunks to the others instead of holding the block up.
///
/// The job owns everything it touches — the raw chunks, the block it fills, its failures — and calls nothing of
/// HDF5, so it may outlive the reader that started it (a caller that stops reading early) without harm. Its rows
/// are the same bytes whatever the number of tasks and whichever task takes a chunk: each chunk is decoded once,
/// into its own rows. The block is allocated by the thread that starts the job, not by the job's: glibc gives each
/// thread its own heap, and blocks freed into the heaps of a few worker threads were 13 MiB more peak memory.
final class ChunkDecodeJob<Element: DatasetElement & Sendable>: @unchecked Sendable {
    /// The block's rows in the dataset.
    let rows: Range<Int>
    /// The chunks covering `rows`; those without stored bytes are the reader's to fill with `readRows`.
    let chunks: [RawChunk]
    /// Why `readRawChunks` failed, when it did; no job runs then.
    let fetchFailure: HDF5Error?

    // Written by the job before `done` is left, read by the reader only after waiting for it.
    private var values: [Element] = []
    private var plausible: [Bool] = []
    private var decodeFailure: (chunk: RawChunk, error: ChunkCodec.DecodeError)?
    private let done = DispatchGroup()

    /// Starts decoding `chunks` into the block of `rows`; `screen`, when given, is run on every decoded row by the
    /// same task (the per-value checks of `ValidatedRow`, a tenth of the work, so spread over the cores too).
    init(
        rows: Range<Int>, chunks: [RawChunk], decoder: RawChunkDecoder<Element>, parallel: RowParallel,
        scratch: ScratchPool, screen: RowCheck<Element>?
    ) {
        self.rows = rows
        self.chunks = chunks
        self.fetchFailure = nil
        let count = rows.count * decoder.rowElements
        // Every element is written before it is read: by a chunk's decoding, or by `finish` for the rows left to
        // `readRows`; padding that no field covers is zeroed first.
        values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if !decoder.writesEveryByte || chunks.contains(where: { $0.stored == nil }) {
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            }
            initialized = count
        }
        if screen != nil { plausible = [Bool](repeating: false, count: rows.count) }
        done.enter()
        DispatchQueue.global().async { [self] in
            run(decoder: decoder, parallel: parallel, scratch: scratch, screen: screen)
            done.leave()
        }
    }

    /// A block whose raw chunks could not be read: the reader throws `failure` when it reaches it.
    init(rows: Range<Int>, failure: HDF5Error) {
        self.rows = rows
        self.chunks = []
        self.fetchFailure = failure
    }

    private func run(
        decoder: RawChunkDecoder<Element>, parallel: RowParallel, scratch: ScratchPool,
        screen: RowCheck<Element>?
    ) {
        let failures = FailureList()
        let (rows, chunks) = (rows, chunks)
        let stored = chunks.indices.filter { chunks[$0].stored != nil }
        let queue = ChunkQueue(count: stored.count)
        values.withUnsafeMutableBufferPointer { buffer in
            plausible.withUnsafeMutableBufferPointer { flags in
                let block = SharedMutableBuffer(buffer)
                let checks = SharedMutableBuffer(flags)
                let tasks = parallel.taskCount(rows: stored.count, minimumRowsPerTask: 1)
                parallel.parallelRows(count: tasks, minimumRowsPerTask: 1) { _ in
                    let scratchBuffers = scratch.take()
                    defer { scratch.give(scratchBuffers) }
                    while let next = queue.take() {
                        let index = stored[next]
                        do throws(ChunkCodec.DecodeError) {
                            try decoder.decode(
                                chunks[index], into: block.unsafeBuffer, blockRows: rows, scratch: scratchBuffers)
                        } catch {
                            failures.add(index, error)
                            continue
                        }
                        guard let screen else { continue }
                        for row in chunks[index].rows.clamped(to: rows) {
                            let offset = row - rows.lowerBound
                            checks.unsafeBuffer[offset] = screen(block.base + offset)
                        }
                    }
                }
            }
        }
        decodeFailure = failures.first.map { (chunks[$0.index], $0.error) }
    }

    /// Waits for the job and returns its block, with the rows of chunks the decoder could not take read by
    /// `readRows` from `dataset`, and whether each row passed the screen (empty without one).
    ///
    /// - Throws: the fetch's error, or for the first chunk that did not decode an `HDF5Error` naming its rows.
    func finish(
        reading dataset: Dataset, screen: RowCheck<Element>?
    ) throws(HDF5Error) -> (values: [Element], plausible: [Bool]) {
        if let fetchFailure { throw fetchFailure }
        done.wait()
        if let (chunk, error) = decodeFailure {
            throw HDF5Error(
                code: .library, operation: "inflate", filePath: dataset.filePath, objectPath: dataset.objectPath,
                message: "the chunk of rows \(chunk.rows) does not decode (\(error.description))")
        }
        var (block, flags) = (values, plausible)
        (values, plausible) = ([], [])
        let width = block.count / max(1, rows.count)
        for chunk in chunks where chunk.stored == nil {
            let part = chunk.rows.clamped(to: rows)
            guard !part.isEmpty else { continue }
            let read = try dataset.readRows(part, as: Element.self)
            let start = (part.lowerBound - rows.lowerBound) * width
            block.replaceSubrange(start..<(start + read.count), with: read)
            if let screen {
                block.withUnsafeBufferPointer { block in
                    for row in part {
                        flags[row - rows.lowerBound] = screen(block.baseAddress! + row - rows.lowerBound)
                    }
                }
            }
        }
        return (block, flags)
    }
}

/// Chunk-decoding buffers, kept for reuse by whichever task needs one next: allocating two chunk-sized buffers for
/// every task of every block would fault in fresh pages each time.
final class ScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [RawChunkScratch] = []

    /// Makes sure `count` buffers of `bytes` are ready, allocated by the calling thread (see `ChunkDecodeJob`).
    func prepare(_ count: Int, bytes: Int) {
        lock.withLock {
            while free.count < count { free.append(RawChunkScratch(reserving: bytes)) }
        }
    }

    func take() -> RawChunkScratch {
        lock.withLock { free.popLast() } ?? RawChunkScratch()
    }

    func give(_ scratch: RawChunkScratch) {
        lock.withLock { free.append(scratch) }
    }
}

/// The chunks of a block not yet taken by a task, handed out in order.
private final class ChunkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func take() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// The chunks that failed to decode, from any task; the first in chunk order is the one reported, so the error does
/// not depend on which task finished first.
private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [(index: Int, error: ChunkCodec.DecodeError)] = []

    func add(_ index: Int, _ error: ChunkCodec.DecodeError) {
        lock.withLock { failures.append((index, error)) }
    }

    var first: (index: Int, error: ChunkCodec.DecodeError)? {
        lock.withLock { failures.min { $0.index < $1.index } }
    }
}
