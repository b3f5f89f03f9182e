import HDF5

extension TraceFormat {
    /// The stored kind of a run setting attribute, named as `AttributeValue.kindName` names it.
    public enum SettingKind: String, Sendable, CaseIterable {
        case int64, float64, bool, string
        case int64Array = "int64 array"
        case float64Array = "float64 array"
        case stringArray = "string array"

        /// Whether `value` is stored with this kind.
        public func matches(_ value: AttributeValue) -> Bool { value.kindName == rawValue }
    }

    /// The kind each run setting `normscope record` writes has in format 2 (`analysis/TRACE_FORMAT.md`, "Run
    /// group"), so that `TraceSchema` can report a setting of another kind. A setting not listed here (a key added
    /// later, a caller's own attribute) is not judged. Format 1 stored most of these as text.
    public static let settingKinds: [String: SettingKind] = {
        var kinds: [String: SettingKind] = [:]
        let table: [SettingKind: [String]] = [
            .string: [
                "model", "dataset", "labels", "preset", "convention", "activation", "placement", "optimizer",
                "schedule", "norm_centering", "norm_convention", "norm_affine", "norm_adaptive",
            ],
            .int64: [
                "label_column", "width", "heads", "layers", "ffn", "context", "seed", "steps", "batch", "warmup",
                "eval_every", "eval_train_size", "phi_every", "raw_every", "raw_rows",
            ],
            .float64: [
                "valid_fraction", "test_fraction", "epsilon", "adanorm_scale", "adanorm_k", "dropout", "lr",
                "momentum", "weight_decay", "clip", "label_smoothing", "norm_epsilon", "norm_adanorm_scale",
                "norm_adanorm_k", "divergence_loss",
            ],
            .bool: ["adanorm_detached", "header", "norm_normalizes", "norm_detach_mean", "norm_detach_std"],
            .int64Array: ["hidden"],
        ]
        for (kind, names) in table {
            for name in names { kinds[name] = kind }
        }
        return kinds
    }()
}
