import HDF5
import Recording

/// What is in an HDF5 file: its tree with shapes, element types, chunking and attributes, and whether it
/// validates against trace format v1 — `normscope inspect`.
///
/// Works on any HDF5 file, so that a file that is not a trace (or a damaged one) is still described, with the
/// reasons it is not a valid trace listed after the tree.
public struct TraceInspector {
    /// How much to show.
    public struct Options: Sendable {
        /// Show attribute values (long JSON values are shortened).
        public var attributes: Bool = true
        /// The longest attribute value shown, in characters.
        public var valueWidth: Int = 72

        public init(attributes: Bool = true, valueWidth: Int = 72) {
            self.attributes = attributes
            self.valueWidth = valueWidth
        }
    }

    /// The inspection of one file.
    public struct Report: Sendable {
        /// The tree, one object per line.
        public var tree: [String]
        /// Problems against trace format v1; empty for a valid trace.
        public var problems: [String]

        /// The tree and a verdict line.
        public var text: String {
            let verdict =
                problems.isEmpty
                ? "valid: trace format v\(TraceFormat.version)"
                : "not a valid trace format v\(TraceFormat.version) file:\n"
                    + problems.map { "  - \($0)" }.joined(separator: "\n")
            return (tree + ["", verdict]).joined(separator: "\n")
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Describes the file at `path`.
    ///
    /// - Throws: `HDF5Error` when the file cannot be opened at all (missing, not HDF5, truncated).
    public func inspect(path: String) throws(HDF5Error) -> Report {
        let file = try File.open(path)
        var lines = ["/" + attributeSuffix(file)]
        try describe(file, prefix: "", into: &lines)
        let problems = TraceSchema.validate(file: file)
        try file.close()
        return Report(tree: lines, problems: problems)
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
