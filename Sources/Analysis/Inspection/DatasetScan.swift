import HDF5

/// Reads one dataset's rows for `inspect`'s data check, in bounded memory, naming the chunks that cannot be read.
///
/// The quick check reads the first and the last chunk (a damaged file is most often cut or garbled at its end, and
/// the first chunk shows whether the filter works at all); the full check reads every chunk through `BlockReader`.
/// A block that fails is read again chunk by chunk, so the damage is located to its chunk and the chunks around it
/// are still checked.
struct DatasetScan {
    /// The most elements held at once, whatever the dataset's row width (8 MB of Doubles).
    static let elementBudget = 1 << 20

    let dataset: Dataset
    let file: String
    let full: Bool

    /// Rows read, for the verdict line.
    private(set) var rowsRead = 0
    private var unreadable: [(chunk: Int?, rows: Range<Int>, message: String)] = []
    private var count = 0

    init(_ dataset: Dataset, file: String, full: Bool) {
        self.dataset = dataset
        self.file = file
        self.full = full
    }

    /// Reads the rows the check covers as `Element`, handing each readable block and its first row to `admit`.
    /// Returns the damage when the dataset or one of its chunks cannot be read.
    mutating func read<Element: DatasetElement & Sendable>(
        as type: Element.Type, _ admit: (_ rows: [Element], _ first: Int) -> Void
    ) -> DamagedObject? {
        let shape: [Int]
        let chunkRows: Int?
        do {
            shape = try dataset.shape()
            chunkRows = try dataset.chunkShape()?.first
        } catch {
            return DamagedObject(file: file, object: dataset.objectPath, problem: "cannot be read: \(error.message)")
        }
        guard let rows = shape.first else {
            do {
                admit(try BlockReader(dataset).all(as: Element.self), 0)
                rowsRead = 1
                return nil
            } catch {
                return DamagedObject(
                    file: file, object: dataset.objectPath, problem: "cannot be read: \(error.message)")
            }
        }
        count = rows
        guard rows > 0 else { return nil }
        let width = max(1, shape.dropFirst().reduce(1, *))
        // The unit of reading: a chunk, or for a contiguous dataset as many rows as the budget allows.
        let unit = max(1, chunkRows ?? Self.elementBudget / width)
        if full {
            let perBlock = max(1, min(BlockReader.defaultBlockRows / unit, Self.elementBudget / (unit * width)))
            do {
                var blocks = try BlockReader(dataset, blockRows: perBlock * unit).blocks(as: Element.self)
                while true {
                    let from = blocks.start
                    do {
                        guard let (block, first) = try blocks.next() else { break }
                        admit(block, first)
                        rowsRead += block.count / width
                    } catch {
                        readByChunk(from..<blocks.start, unit: unit, chunked: chunkRows != nil, admit)
                    }
                }
            } catch {
                return DamagedObject(
                    file: file, object: dataset.objectPath, problem: "cannot be read: \(error.message)")
            }
        } else {
            readByChunk(0..<min(unit, rows), unit: unit, chunked: chunkRows != nil, admit)
            let last = (rows - 1) / unit * unit
            if last > 0 { readByChunk(last..<rows, unit: unit, chunked: chunkRows != nil, admit) }
        }
        return damage
    }

    /// Reads `range` one chunk (`unit` rows) at a time, recording the chunks that fail.
    private mutating func readByChunk<Element: DatasetElement & Sendable>(
        _ range: Range<Int>, unit: Int, chunked: Bool, _ admit: (_ rows: [Element], _ first: Int) -> Void
    ) {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, (start / unit + 1) * unit)
            do {
                let block = try BlockReader(dataset).rows(start..<end, as: Element.self)
                admit(block, start)
                rowsRead += end - start
            } catch {
                unreadable.append((chunked ? start / unit : nil, start..<end, error.message))
            }
            start = end
        }
    }

    /// The chunks that could not be read, as one damaged object naming the first.
    private var damage: DamagedObject? {
        guard let first = unreadable.first else { return nil }
        let place =
            (first.chunk.map { "chunk \($0) (rows \(first.rows) of \(count))" } ?? "rows \(first.rows) of \(count)")
        let more = unreadable.count > 1 ? " (first of \(unreadable.count) unreadable chunks)" : ""
        return DamagedObject(
            file: file, object: dataset.objectPath, problem: "\(place) cannot be read: \(first.message)\(more)",
            rows: unreadable.reduce(0) { $0 + $1.rows.count })
    }
}
