import Foundation
import HDF5

/// What `--resume` finds in an existing trace before recording into it again: the runs it keeps (finished:
/// completed or diverged, deterministic given their settings) and the runs it records again from their start
/// (running, interrupted, or of unreadable status: their rows are replaced whole, so no run is half old, half new).
///
/// The trace must be this format's, and have been recorded by the same sweep: its root `config` and the caller's
/// root attributes (the shard, the run count) must match what is about to be recorded.
struct ResumableTrace: Sendable, Equatable {
    /// Finished runs, kept as they are.
    var keptRuns: [String]
    /// Unfinished runs, removed and recorded again.
    var replacedRuns: [String]

    /// Reads `path` (read-only) and checks it against the sweep about to be recorded.
    static func inspect(
        path: String, sweepConfigurationJSON: String, rootAttributes: [String: AttributeValue]
    ) throws(TraceWriterError) -> ResumableTrace {
        func refuse(_ message: String) -> TraceWriterError {
            TraceWriterError(code: .invalidRequest, path: path, message: message)
        }
        let file: File
        do {
            file = try File.open(path)
        } catch {
            throw refuse("cannot be resumed: it does not open as a trace (\(error.message))")
        }
        defer { try? file.close() }
        let name = try? file.attribute(TraceFormat.Names.format, as: String.self)
        guard name == TraceFormat.name else { throw refuse("cannot be resumed: it is not a NormScope trace") }
        let version = (try? file.attribute(TraceFormat.Names.formatVersion, as: Int64.self)) ?? -1
        guard version == TraceFormat.version else {
            throw refuse(
                "cannot be resumed: it is a format-\(version) trace and this recorder writes format "
                    + "\(TraceFormat.version); record it anew (--force) or into another file")
        }
        let stored = (try? file.attribute(TraceFormat.Names.config, as: String.self)) ?? ""
        let differing = Self.differingKeys(stored, sweepConfigurationJSON)
        if !differing.isEmpty {
            throw refuse(
                "cannot be resumed with another sweep: its configuration differs in "
                    + differing.joined(separator: ", ") + "; resume with the sweep that recorded it, or record anew")
        }
        for key in rootAttributes.keys.sorted() {
            let found = try? file.attributeValue(key)
            if found != rootAttributes[key] {
                throw refuse(
                    "cannot be resumed: its \(key) is \(found.map { "\($0)" } ?? "missing"), this recording's is "
                        + "\(rootAttributes[key]!)")
            }
        }
        var kept: [String] = []
        var replaced: [String] = []
        let runs: [String]
        do {
            runs = try file.openGroup(TraceFormat.Names.runs).children()
        } catch {
            throw refuse("cannot be resumed: its /runs group cannot be read (\(error.message))")
        }
        for id in runs {
            let status = try? file.openGroup("\(TraceFormat.Names.runs)/\(id)").attribute(
                TraceFormat.Names.status, as: String.self)
            if status == RunStatus.completed.rawValue || status == RunStatus.diverged.rawValue {
                kept.append(id)
            } else {
                replaced.append(id)
            }
        }
        return ResumableTrace(keptRuns: kept, replacedRuns: replaced)
    }

    /// The top-level keys whose values differ between two JSON objects (all keys if either is not an object).
    static func differingKeys(_ a: String, _ b: String) -> [String] {
        func object(_ text: String) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        func canonical(_ value: Any?) -> Data? {
            value.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
        }
        guard let left = object(a), let right = object(b) else { return ["the whole configuration"] }
        return Set(left.keys).union(right.keys).sorted().filter { canonical(left[$0]) != canonical(right[$0]) }
    }
}
