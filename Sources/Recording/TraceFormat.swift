/// Identity of the trace files NormScope writes: the root attributes a reader checks before anything else.
///
/// The full layout is described in `analysis/TRACE_FORMAT.md`.
public enum TraceFormat {
    /// Value of the root attribute `format`.
    public static let name = "normscope-trace"
    /// Value of the root attribute `format_version` this NormScope writes; bumped on any change a reader of the
    /// previous version would misread. Version 2 stores settings as typed attributes and labels every axis of
    /// `raw_parts` with a dimension scale (`analysis/TRACE_FORMAT.md`, "Changes").
    public static let version: Int64 = 2
    /// The versions this NormScope reads: version 1 traces (settings as text) open as they did.
    public static let readableVersions: ClosedRange<Int64> = 1...2
}

extension TraceFormat {
    /// NormScope's own version, printed by `normscope --version` and written into every trace as `tool_version`.
    public static let toolVersion = "0.1.0"
}
