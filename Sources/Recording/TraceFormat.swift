/// Identity of the trace files NormScope writes: the root attributes a reader checks before anything else.
///
/// The full layout is described in `analysis/TRACE_FORMAT.md`.
public enum TraceFormat {
    /// Value of the root attribute `format`.
    public static let name = "normscope-trace"
    /// Value of the root attribute `format_version`; bumped on any change a version-1 reader would misread.
    public static let version: Int64 = 1
}

extension TraceFormat {
    /// NormScope's own version, printed by `normscope --version` and written into every trace as `tool_version`.
    public static let toolVersion = "0.1.0"
}
