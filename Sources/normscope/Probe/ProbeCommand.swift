import Analysis
import ArgumentParser
import Foundation
import HDF5
import Recording

#if canImport(Glibc)
    import Glibc
#endif

extension NormScope {
    /// `normscope __probe FILE [--skip OBJECT…]`: walks a file the way the readers do, in a child process that may
    /// crash. Not for users: `TraceProbe.vet` starts it and reads its standard output, where each line `touch X`
    /// names what it is about to hand to HDF5 (`/runs/r0`, `/runs/r0@config`, `/runs/r0:iterate`,
    /// `/runs:children`, or `open` for the file itself) and `done` ends a walk that survived.
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: ProbeProtocol.subcommand,
            abstract: "Walk every object of an HDF5 file, naming each before touching it (used by analyze & co.).",
            shouldDisplay: false)

        @Argument(help: ArgumentHelp("The file.", valueName: "file"))
        var file: String

        @Option(parsing: .upToNextOption, help: "Objects not to touch (the probe's own spelling).")
        var skip: [String] = []

        @Option(help: "Address-space limit of this process in MiB (0: none).")
        var memoryLimit: Int = 0

        func run() throws {
            ProbeProtocol.dieWithParent()
            ProbeProtocol.limitResources(memoryMiB: memoryLimit)
            for key in skip {
                guard let target = HDF5Quarantine.Target(key) else { continue }
                HDF5Quarantine.add(target, file: file, reason: "skipped")
            }
            ProbeWalker(path: file).walk()
        }
    }
}

/// The conversation between the probe and its parent.
enum ProbeProtocol {
    static let subcommand = "__probe"
    static let openMarker = "open"
    static let doneMarker = "done"
    static let closeMarker = "close"
    static let touchPrefix = "touch "
    /// The probe's exit status when HDF5 reported that it ran out of memory (under the probe's limit); the parent
    /// treats the object last touched as one that would exhaust memory unbounded.
    static let exhaustedStatus: Int32 = 3
    /// The probe's exit status when the file does not open; the parent leaves the message to the reader.
    static let unopenableStatus: Int32 = 2

    /// Limits the address space (a damaged extent then fails an allocation quickly instead of swapping) and turns
    /// core dumps off (a crash here is expected, not a bug to keep).
    static func limitResources(memoryMiB: Int) {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        guard memoryMiB > 0 else { return }
        let bytes = rlim_t(memoryMiB) << 20
        var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    }

    /// Asks the kernel to kill this process when its parent dies: a command killed while its probe hangs in HDF5
    /// (by a user's timeout, say) must not leave the probe spinning on a core for good. If the parent died before
    /// the request was made, the probe has no one to answer. (A parent that is PID 1, a command run as a
    /// container's entry point, is a parent like any other.)
    static func dieWithParent() {
        #if os(Linux)
            let parent = getppid()
            // glibc's prctl is variadic, which Swift does not import; on Linux's C ABIs a variadic call with
            // integer arguments passes them exactly as this fixed prototype does.
            if let symbol = dlsym(nil, "prctl") {
                typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
                // The corresponding C constant is `PR_SET_PDEATHSIG`.
                let setParentDeathSignal: Int32 = 1
                _ = unsafeBitCast(symbol, to: Prctl.self)(setParentDeathSignal, UInt(SIGKILL), 0, 0, 0)
            }
            if getppid() != parent { exit(0) }
        #endif
    }

    /// Writes one line to standard output at once, unbuffered, so that it is in the pipe before the risky call.
    static func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Touches every group, dataset and attribute of a file in the order and with the calls of the readers:
/// attribute iteration and values, link listing, opening, each dataset's type, extent, chunks and dimension-scale
/// mark, and its rows read with the element type `analyze` uses (first and last row; every row for a small file).
struct ProbeWalker {
    let path: String
    /// Files up to this size are read whole: every chunk is then decoded once here before the readers do.
    static let wholeReadBytes = 16 << 20

    func walk() {
        ProbeProtocol.say(ProbeProtocol.openMarker)
        let file: File
        do {
            file = try File.open(path)
        } catch {
            guard error.message.contains("already open for write"), let live = try? File.open(path, mode: .swmrRead)
            else { exit(ProbeProtocol.unopenableStatus) }
            file = live
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
        visit(container: file, readAll: size <= Self.wholeReadBytes)
        // Closing a read-only file writes nothing but frees all HDF5 decoded, and freeing a half-decoded message
        // can crash too; the marker tells the parent that the walk itself got through.
        ProbeProtocol.say(ProbeProtocol.closeMarker)
        _ = attempt { () throws(HDF5Error) in try file.close() }
        ProbeProtocol.say(ProbeProtocol.doneMarker)
    }

    private func touch(_ key: String) { ProbeProtocol.say(ProbeProtocol.touchPrefix + key) }

    /// Runs one call whose errors the readers handle themselves; only running out of memory matters here.
    private func attempt<Value>(_ body: () throws(HDF5Error) -> Value) -> Value? {
        do { return try body() } catch {
            let exhausted = error.stack.contains {
                $0.major.contains("Resource unavailable") || $0.minor.lowercased().contains("allocat")
            }
            if exhausted { exit(ProbeProtocol.exhaustedStatus) }
            return nil
        }
    }

    /// Attributes the readers open by name, not only by listing: when an object's attribute list cannot be read
    /// (damaged dense attribute storage), these can still be opened, and their values may still hang HDF5.
    static let attributesReadByName: [String] = TraceFormat.attributeNames

    private func visitAttributes(of node: some Node) {
        touch("\(node.objectPath):iterate")
        let listed = attempt({ () throws(HDF5Error) in try node.attributeNames() })
        for name in listed ?? Self.attributesReadByName {
            touch("\(node.objectPath)@\(name)")
            if listed == nil, attempt({ () throws(HDF5Error) in try node.hasAttribute(name) }) != true { continue }
            touch("\(node.objectPath)@\(name)")
            _ = attempt { () throws(HDF5Error) in
                try node.attributeValue(name) { touch(HDF5Quarantine.Target.variableLengthStrings.description) }
            }
            // HDF5 frees a half-decoded attribute message only when the object header leaves its cache; make
            // that happen now, while the attribute is the one named.
            _ = attempt { () throws(HDF5Error) in try node.refreshMetadata() }
        }
    }

    private func visit(container: some Container, readAll: Bool) {
        visitAttributes(of: container)
        touch("\(container.objectPath):children")
        guard let names = attempt({ () throws(HDF5Error) in try container.children() }) else { return }
        for name in names {
            let child = container.objectPath == "/" ? "/" + name : container.objectPath + "/" + name
            touch(child)
            switch attempt({ () throws(HDF5Error) in try container.kind(of: name) }) {
            case .group?:
                guard let group = attempt({ () throws(HDF5Error) in try container.openGroup(name) }) else { continue }
                visit(container: group, readAll: readAll)
                touch(child)
                _ = attempt { () throws(HDF5Error) in try group.close() }
            case .dataset?:
                guard let dataset = attempt({ () throws(HDF5Error) in try container.openDataset(name) }) else {
                    continue
                }
                visit(dataset: dataset, readAll: readAll)
                touch(child)
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
        touch(dataset.objectPath)
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
            RawChunkReads.enabled
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
