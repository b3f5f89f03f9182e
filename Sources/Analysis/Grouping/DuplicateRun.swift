/// A run left out because an earlier file holds the same run: the same preset, seed and every other setting (its
/// id may differ). Runs of different settings are different runs whatever their ids, so traces recorded apart
/// (`lr` 0.001 in one file, 0.01 in another) are analysed together; only a run given twice is counted once.
public struct DuplicateRun: Sendable, Codable, Equatable {
    /// The file whose run was left out, and that file's label.
    public var file: String
    public var label: String?
    /// The run left out: its id in `file`.
    public var run: String
    /// The file of the run counted instead, its label, and that run's id there.
    public var keptFile: String
    public var keptLabel: String?
    public var keptRun: String

    public init(
        file: String, label: String? = nil, run: String, keptFile: String, keptLabel: String? = nil, keptRun: String
    ) {
        (self.file, self.label, self.run) = (file, label, run)
        (self.keptFile, self.keptLabel, self.keptRun) = (keptFile, keptLabel, keptRun)
    }

    /// The files as notes name them (``TraceInput/description``).
    var input: TraceInput { TraceInput(path: file, label: label) }
    var keptInput: TraceInput { TraceInput(path: keptFile, label: keptLabel) }

    /// One line per pair of files, for the top of analyze's output: `duplicate: B.h5 repeats 2 runs of A.h5 (same
    /// preset, seed and settings): layernorm-s0, adanorm-s0; each counted once, from A.h5`, or `duplicate: A.h5 is
    /// given twice; its runs are counted once: …`.
    static func lines(_ duplicates: [DuplicateRun]) -> [String] {
        var pairs: [(TraceInput, TraceInput)] = []
        for duplicate in duplicates where !pairs.contains(where: { $0 == (duplicate.input, duplicate.keptInput) }) {
            pairs.append((duplicate.input, duplicate.keptInput))
        }
        return pairs.map { input, kept in
            let runs = duplicates.filter { $0.input == input && $0.keptInput == kept }
            let names = runs.map { $0.run == $0.keptRun ? $0.run : "\($0.run) (= \($0.keptRun))" }
            let shown = names.prefix(6).joined(separator: ", ") + (names.count > 6 ? ", … (\(names.count) in all)" : "")
            if input.path == kept.path {
                return "duplicate: \(input.path) is given twice; its runs are counted once: \(shown)"
            }
            let what = runs.count == 1 ? "a run" : "\(runs.count) runs"
            return "duplicate: \(input) repeats \(what) of \(kept) (same preset, seed and settings): \(shown); "
                + "each counted once, from \(kept)"
        }
    }
}

/// What makes two runs the same run: preset, seed and every setting of the configuration.
struct RunIdentity: Hashable {
    var preset: String
    var seed: Int64
    var settings: [String: SettingValue]

    init(_ run: RunSummary) {
        (preset, seed, settings) = (run.preset, run.seed, run.settings)
    }
}
