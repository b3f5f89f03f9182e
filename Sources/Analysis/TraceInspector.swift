import DamagedFiles
import HDF5
import Recording

/// What is in an HDF5 file: its tree with shapes, element types, chunking and attributes, whether it validates
/// against its trace format version (1 or 2), and whether its data can be read and can be right — `normscope inspect`.
///
/// Works on any HDF5 file, so that a file that is not a trace (or a damaged one) is still described, with the
/// reasons it is not a valid trace listed after the tree. The file is opened as `analyze` opens it: a live trace,
/// or one whose live recorder was killed, as a SWMR reader. Structure and data are judged separately: a file can
/// have every object a trace needs and still hold a chunk that does not decompress or a value no recorder writes.
public struct TraceInspector {
    /// How much to show.
    public struct Options: Sendable {
        /// Show attribute values (long JSON values are shortened).
        public var attributes: Bool = true
        /// The longest attribute value shown, in characters.
        public var valueWidth: Int = 72
        /// Read every chunk and check every row; otherwise each dataset's first and last chunk.
        public var allData: Bool = false

        public init(attributes: Bool = true, valueWidth: Int = 72, allData: Bool = false) {
            self.attributes = attributes
            self.valueWidth = valueWidth
            self.allData = allData
        }
    }

    /// The inspection of one file.
    public struct Report: Sendable {
        /// The tree, one object per line.
        public var tree: [String]
        /// Problems against the trace format; empty for a valid trace.
        public var problems: [String]
        /// The file's `format_version` when it is one this NormScope reads, else the version it writes (what the
        /// file was judged against).
        public var formatVersion: Int64 = TraceFormat.version
        /// Whether the file was opened as a SWMR reader: marked as open for writing by a live recorder that is
        /// still running or was killed.
        public var live: Bool
        /// What the data check read and found.
        public var data: TraceDataCheck

        /// A valid trace whose data passed the check: what `inspect` exits 0 for.
        public var isGood: Bool { problems.isEmpty && data.damaged.isEmpty }

        /// The tree, how the file was opened if live, the structure verdict and the data verdict.
        public var text: String {
            let structure =
                problems.isEmpty
                ? "structure valid: trace format v\(formatVersion)"
                : "structure: not a valid trace format v\(formatVersion) file:\n"
                    + problems.map { "  - \($0)" }.joined(separator: "\n")
            let opened =
                live
                ? [
                    "opened as a SWMR reader: the file is marked as open for writing by a live (--live) recorder, "
                        + "running or killed; its runs may still grow"
                ] : []
            return (tree + [""] + opened + [structure, data.text]).joined(separator: "\n")
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Describes the file at `path`, after `probe` has vetted it (see `DamageProbe`).
    ///
    /// - Throws: `HDF5Error` when the file cannot be opened at all (missing, not HDF5, truncated, locked by a
    ///   running recorder), or when reaching an object the probe saw crash HDF5 (`.damaged`).
    public func inspect(path: String, probe: DamageProbe = DamageProbe()) throws(HDF5Error) -> Report {
        let (file, live, _) = try TraceFile.open(path, probe: probe)
        var lines = ["/" + attributeSuffix(file)]
        do throws(HDF5Error) {
            try describe(file, prefix: "", into: &lines)
        } catch {
            try? file.close()
            throw error
        }
        let problems = TraceSchema.validate(file: file)
        let data = TraceDataCheck(file: file, path: path, full: options.allData, live: live)
        let stored = try? file.attribute(TraceFormat.Names.formatVersion, as: Int64.self)
        try file.close()
        var report = Report(tree: lines, problems: problems, live: live, data: data)
        if let stored, TraceFormat.readableVersions.contains(stored) { report.formatVersion = stored }
        return report
    }

    private func describe(_ container: some Container, prefix: String, into lines: inout [String]) throws(HDF5Error) {
        let names = try container.children().sorted()
        for (index, name) in names.enumerated() {
            let last = index == names.count - 1
            let branch = prefix + (last ? "└── " : "├── ")
            let indent = prefix + (last ? "    " : "│   ")
            switch try container.kind(of: name) {
            case .group:
                let group = try container.openGroup(name)
                lines.append(branch + name + "/" + attributeSuffix(group))
                try describe(group, prefix: indent, into: &lines)
                try group.close()
            case .dataset:
                let dataset = try container.openDataset(name)
                var text =
                    branch + name + "  " + (try dataset.typeDescription()) + "["
                    + (try dataset.shape()).map(String.init).joined(separator: ", ") + "]"
                if let chunks = try dataset.chunkShape() {
                    text += "  chunks [\(chunks.map(String.init).joined(separator: ", "))]"
                }
                if try dataset.isDimensionScale() { text += "  (dimension scale)" }
                lines.append(text + attributeSuffix(dataset))
                try dataset.close()
            default:
                lines.append(branch + name + "  (other object)")
            }
        }
    }

    /// `  {name = value, …}` for an object's attributes, shortened.
    private func attributeSuffix(_ node: some Node) -> String {
        guard options.attributes, let names = try? node.attributeNames(), !names.isEmpty else { return "" }
        let shown = names.sorted().compactMap { name -> String? in
            // Dimension-scale bookkeeping attributes are HDF5's, not the trace's.
            if ["CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS"].contains(name) { return nil }
            guard let value = try? node.attributeValue(name) else { return "\(name) = ?" }
            var text = "\(value)"
            if text.count > options.valueWidth { text = String(text.prefix(options.valueWidth - 1)) + "…" }
            return "\(name) = \(text)"
        }
        return shown.isEmpty ? "" : "  {" + shown.joined(separator: ", ") + "}"
    }
}
