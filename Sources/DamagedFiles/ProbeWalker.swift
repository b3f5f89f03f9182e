import HDF5
import Recording

#if canImport(Glibc)
    import Glibc
#endif

/// Touches every group, dataset and attribute of a file in the order and with the calls of the readers:
/// attribute iteration and values, link listing, opening, each dataset's type, extent, chunks and dimension-scale
/// mark, and its rows read with the element type `analyze` uses (first and last row; every row for a small file).
///
/// It runs in a probe child (`ProbeChild`), which it ends: with `_exit`, never returning.
struct ProbeWalker {
    let path: String
    /// What earlier rounds found: opened under it, the file's quarantined objects are not touched again.
    let skipping: Quarantine
    /// The pipe to the parent.
    let output: Int32
    /// Whether every row is read, not only each dataset's first and last.
    let readAll: Bool
    /// Whether chunks are fetched raw where the readers fetch them so (`RawChunkReads`, read in the parent).
    let readsRawChunks: Bool
    /// Files up to this size are read whole: every chunk is then decoded once here before the readers do.
    static let wholeReadBytes = 16 << 20
    /// The walk's metadata cache (see `open`): `normscope analyze` of the 884 MB, 55,600-object frontier trace took
    /// 37 s, 36 s and 41 s with 8 KB, 64 KB and 1 MB (one run each): no gain from a larger one.
    static let metadataCacheBytes = 64 << 10

    func walk() -> Never {
        ProbeProtocol.say(.open, to: output)
        guard let file = Self.open(path, skipping: skipping) else { _exit(ProbeProtocol.unopenableStatus) }
        visit(container: file, readAll: readAll)
        // Closing a read-only file writes nothing but frees all HDF5 decoded, and freeing a half-decoded message
        // can crash too; the marker tells the parent that the walk itself got through.
        ProbeProtocol.say(.close, to: output)
        _ = attempt { () throws(HDF5Error) in try file.close() }
        ProbeProtocol.say(.done, to: output)
        _exit(0)
    }

    /// Opens the file as the walk reads it: read-only, or following it live when another process writes it; nil
    /// when it does not open (its reader will say why).
    ///
    /// The walk evicts each object's metadata after reading an attribute (below), and an eviction scans HDF5's
    /// whole metadata cache, which by default grows with the objects read (to 32 MB): the walk of a healthy
    /// 55,000-object trace took longer than its deadline, round after round. Held at `metadataCacheBytes`, the walk
    /// is linear in the file's objects.
    static func open(_ path: String, skipping: Quarantine) -> File? {
        let file: File
        do {
            file = try File.open(path, accessGuard: skipping)
        } catch {
            guard error.message.contains("already open for write"),
                let live = try? File.open(path, mode: .swmrRead, accessGuard: skipping)
            else { return nil }
            file = live
        }
        try? file.limitMetadataCache(toBytes: metadataCacheBytes)
        return file
    }

    private func touch(_ target: HDF5Access) { ProbeProtocol.say(.touch(target), to: output) }

    /// Runs one call whose errors the readers handle themselves; only running out of memory matters here.
    private func attempt<Value>(_ body: () throws(HDF5Error) -> Value) -> Value? {
        do { return try body() } catch {
            let exhausted = error.stack.contains {
                $0.major.contains("Resource unavailable") || $0.minor.lowercased().contains("allocat")
            }
            if exhausted { _exit(ProbeProtocol.exhaustedStatus) }
            return nil
        }
    }

    /// Attributes the readers open by name, not only by listing: when an object's attribute list cannot be read
    /// (damaged dense attribute storage), these can still be opened, and their values may still hang HDF5.
    static let attributesReadByName: [String] = TraceFormat.attributeNames

    /// Makes the lazily initialized globals the walk reads, in the parent, before it forks: a child forked while
    /// another thread of the parent was in the middle of making one waits in `swift_once` for a thread it does not
    /// have, for ever (seen under a loaded test run: a round hung there until its deadline, and a probe would have
    /// quarantined a healthy object). Made here first, each is done before this thread can fork.
    static func prepareInParent() {
        _ = attributesReadByName
        _ = RawChunkReads.enabled
    }

    private func visitAttributes(of node: some Node) {
        touch(.attributeIteration(object: node.objectPath))
        let listed = attempt({ () throws(HDF5Error) in try node.attributeNames() })
        for name in listed ?? Self.attributesReadByName {
            touch(.attribute(object: node.objectPath, name: name))
            if listed == nil, attempt({ () throws(HDF5Error) in try node.hasAttribute(name) }) != true { continue }
            touch(.attribute(object: node.objectPath, name: name))
            _ = attempt { () throws(HDF5Error) in
                try node.attributeValue(name) { touch(.variableLengthStrings) }
            }
            // HDF5 frees a half-decoded attribute message only when the object header leaves its cache; make
            // that happen now, while the attribute is the one named.
            _ = attempt { () throws(HDF5Error) in try node.refreshMetadata() }
        }
    }

    private func visit(container: some Container, readAll: Bool) {
        visitAttributes(of: container)
        touch(.linkIteration(group: container.objectPath))
        guard let names = attempt({ () throws(HDF5Error) in try container.children() }) else { return }
        for name in names {
            let child = container.objectPath == "/" ? "/" + name : container.objectPath + "/" + name
            touch(.object(child))
            switch attempt({ () throws(HDF5Error) in try container.kind(of: name) }) {
            case .group?:
                guard let group = attempt({ () throws(HDF5Error) in try container.openGroup(name) }) else { continue }
                visit(container: group, readAll: readAll)
                touch(.object(child))
                _ = attempt { () throws(HDF5Error) in try group.close() }
            case .dataset?:
                guard let dataset = attempt({ () throws(HDF5Error) in try container.openDataset(name) }) else {
                    continue
                }
                visit(dataset: dataset, readAll: readAll)
                touch(.object(child))
                _ = attempt { () throws(HDF5Error) in try dataset.close() }
            default:
                continue
            }
        }
    }

    private func visit(dataset: Dataset, readAll: Bool) {
        // What `inspect` asks of every dataset.
        _ = attempt { () throws(HDF5Error) in try dataset.typeDescription() }
        _ = attempt { () throws(HDF5Error) in try dataset.shape() }
        _ = attempt { () throws(HDF5Error) in try dataset.chunkShape() }
        _ = attempt { () throws(HDF5Error) in try dataset.isDimensionScale() }
        visitAttributes(of: dataset)
        touch(.object(dataset.objectPath))
        switch dataset.name {
        case TraceFormat.Names.steps: readRows(of: dataset, as: StepRow.self, readAll: readAll)
        case TraceFormat.Names.evals: readRows(of: dataset, as: EvaluationRow.self, readAll: readAll)
        case TraceFormat.Names.grad: readRows(of: dataset, as: NormStepRow.self, readAll: readAll)
        case TraceFormat.Names.phi: readRows(of: dataset, as: PhiStepRow.self, readAll: readAll)
        default:
            let type = attempt { () throws(HDF5Error) in try dataset.typeDescription() } ?? ""
            if type == "float32" {
                readRows(of: dataset, as: Float.self, readAll: readAll)
            } else if type.hasPrefix("float") {
                readRows(of: dataset, as: Double.self, readAll: readAll)
            } else if type.hasPrefix("uint") {
                readRows(of: dataset, as: UInt64.self, readAll: readAll)
            } else if type.hasPrefix("int") {
                readRows(of: dataset, as: Int64.self, readAll: readAll)
            }
        }
    }

    private func readRows<Element: DatasetElement>(of dataset: Dataset, as type: Element.Type, readAll: Bool) {
        guard let count = attempt({ () throws(HDF5Error) in try dataset.rowCount() }), count > 0 else { return }
        // A dataset whose shape is empty (a scalar) is one row; `readRows` wants an axis 0.
        guard attempt({ () throws(HDF5Error) in try dataset.shape() })?.isEmpty == false else {
            _ = attempt { () throws(HDF5Error) in try dataset.read(as: Element.self) }
            return
        }
        let decoder =
            readsRawChunks
            ? attempt { () throws(HDF5Error) in try dataset.rawChunkDecoder(as: Element.self) } ?? nil : nil
        guard touch(0..<1, of: dataset, decoder) else { return }
        _ = touch((count - 1)..<count, of: dataset, decoder)
        // A damaged extent that still passes the plausibility bound can claim tens of megabytes of rows never
        // written; reading them all here could outlast the parent's patience, and the reader meets them anyway.
        let rowBytes =
            MemoryLayout<Element>.stride
            * max(1, (attempt({ () throws(HDF5Error) in try dataset.shape() }) ?? []).dropFirst().reduce(1, *))
        guard readAll, count <= Self.wholeReadBytes / rowBytes else { return }
        let block = 8192
        for start in stride(from: 0, to: count, by: block) {
            guard touch(start..<min(count, start + block), of: dataset, decoder) else { return }
        }
    }

    /// Makes the HDF5 calls a reader makes for `rows` (`BlockReader`, through which every read of the commands
    /// goes): where the dataset's chunks are read raw, fetching them — their decoding is no HDF5 call, and zlib's
    /// inflate of every first and last chunk was most of this walk's time — and `readRows` for the chunks the raw
    /// path leaves to HDF5; `readRows` for all of them elsewhere. Whether the rows could be read.
    private func touch<Element: DatasetElement>(
        _ rows: Range<Int>, of dataset: Dataset, _ decoder: RawChunkDecoder<Element>?
    ) -> Bool {
        guard let decoder else {
            return attempt { () throws(HDF5Error) in try dataset.readRows(rows, as: Element.self) } != nil
        }
        guard let chunks = attempt({ () throws(HDF5Error) in try dataset.readRawChunks(covering: rows, for: decoder) })
        else { return false }
        for chunk in chunks where chunk.stored == nil {
            let part = chunk.rows.clamped(to: rows)
            guard attempt({ () throws(HDF5Error) in try dataset.readRows(part, as: Element.self) }) != nil else {
                return false
            }
        }
        return true
    }
}
