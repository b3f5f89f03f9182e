import Layers

extension TraceFormat {
    /// Every run setting a trace can hold, in the order the docs list them: the declaration `inspect`'s type
    /// check, `analyze`'s reading of the normalization, TRACE_FORMAT.md's table and the Python package's schema
    /// follow. A setting not declared here (a key a caller adds) is kept as stored and not judged; the recorder's
    /// own keys are held to this list by a test of Training.
    ///
    /// The vocabularies of the normalization settings come from the Layers types that define them, so a new
    /// centering, convention or affine transform is declared by adding its case there. Those of the model and its
    /// training are open: they list what `normscope record` writes, and a trace recorded elsewhere (from a
    /// PyTorch model through `normscope.torch`) may name its own model, optimizer or schedule.
    public static let settings: [DeclaredSetting] = [
        // What is trained.
        .init("model", .string, allowed: ModelKind.allCases.map(\.rawValue), open: true, "the model trained"),
        .init("dataset", .string, "a bundled dataset's name or the data file's path"),
        .init("labels", .string, presence: "only when set", "the IDX labels file of an IDX images dataset"),
        .init("label_column", .int64, "the CSV label column, counted from 1 (negative from the end)"),
        .init("header", .bool, presence: "only when set", "whether a CSV dataset's first line is a header"),
        .init("valid_fraction", .float64, "share of the rows held out for validation"),
        .init("test_fraction", .float64, "share of the rows held out for the test split"),
        // The normalization variant as asked for.
        .init("preset", .string, allowed: NormPreset.allCases.map(\.rawValue), "the normalization variant"),
        .init(
            "convention", .string, allowed: SpreadConvention.allCases.map(\.rawValue), presence: "only when set",
            "override of the preset's σ convention"),
        .init("epsilon", .float64, presence: "only when set", "override of the preset's ε"),
        .init("adanorm_scale", .float64, presence: "only when set", "override of AdaNorm's C"),
        .init("adanorm_k", .float64, presence: "only when set", "override of AdaNorm's k"),
        .init("adanorm_detached", .bool, presence: "only when set", "override: whether Φ(y) is detached"),
        // Model shape.
        .init("hidden", .int64Array, "the MLP's hidden widths"),
        .init(
            "activation", .string, allowed: Activation.allCases.map(\.rawValue), open: true,
            "the MLP's and feed-forward blocks' activation"),
        .init("dropout", .float64, "dropout probability"),
        .init(
            "placement", .string, allowed: PlacementKind.allCases.map(\.rawValue), open: true,
            presence: "only when set",
            "where the normalization sits (the MLP's two words, or pre/post for a Transformer)"),
        .init("width", .int64, "the Transformer's model width"),
        .init("heads", .int64, "attention heads"),
        .init("layers", .int64, "Transformer blocks"),
        .init("ffn", .int64, "the feed-forward blocks' inner width"),
        .init("context", .int64, "the character LM's context length"),
        // Optimization.
        .init("seed", .int64, "the run's seed"),
        .init("steps", .int64, "optimizer steps configured"),
        .init("batch", .int64, "minibatch size"),
        .init("lr", .float64, "peak learning rate"),
        .init("optimizer", .string, allowed: OptimizerKind.allCases.map(\.rawValue), open: true, "the optimizer"),
        .init("momentum", .float64, "SGD's momentum or Adam's β₁"),
        .init("weight_decay", .float64, "weight decay"),
        .init("warmup", .int64, "linear warm-up steps"),
        .init(
            "schedule", .string, allowed: ScheduleKind.allCases.map(\.rawValue), open: true,
            "the learning-rate schedule after warm-up"),
        .init("clip", .float64, "global gradient-norm clipping threshold (0: none)"),
        .init("label_smoothing", .float64, "label smoothing of the cross-entropy"),
        // Recording.
        .init("eval_every", .int64, "steps between evaluations"),
        .init("eval_train_size", .int64, "rows of the training subset evaluated (0: as many as validation)"),
        .init("phi_every", .int64, "steps between Φ(y) histograms"),
        .init("raw_every", .int64, "steps between raw gradient samples (0: never)"),
        .init("raw_rows", .int64, "input rows in each raw sample"),
        .init(
            "divergence_loss", .float64, presence: "only when set",
            "a loss above this marks the run diverged (default: 1000 × the first step's loss)"),
        // The normalization the run resolved.
        .init(
            "norm_normalizes", .bool, source: .normalization,
            "whether the layer normalizes (false: the identity, the paper's w/o Norm, or DyT's tanh alone)"),
        .init(
            "norm_centering", .string, allowed: Centering.allCases.map(\.rawValue), source: .normalization,
            "whether the row mean is subtracted"),
        .init(
            "norm_convention", .string, allowed: SpreadConvention.allCases.map(\.rawValue), source: .normalization,
            "how σ and ε are computed (METHODS.md)"),
        .init(
            "norm_spread", .string, allowed: SpreadMeasure.allCases.map(\.rawValue), source: .normalization,
            "σ or the RMS, averaged over the features, or the row's length ‖x‖ (ScaleNorm); older traces: rms"),
        .init("norm_epsilon", .float64, source: .normalization, "ε"),
        .init(
            "norm_detach_mean", .bool, source: .normalization, "whether backward detaches the mean (no re-centering)"),
        .init("norm_detach_std", .bool, source: .normalization, "whether backward detaches σ (no re-scaling)"),
        .init(
            "norm_affine", .string, allowed: Affine.allCases.map(\.rawValue), source: .normalization,
            "the learnable transform after normalizing"),
        .init(
            "norm_adaptive", .string, allowed: AdaptiveKind.allCases.map(\.rawValue), source: .normalization,
            "AdaNorm's factor Φ(y): detached, undetached, or none"),
        .init(
            "norm_adanorm_scale", .float64, source: .normalization, presence: "only for a variant with Φ(y)",
            "AdaNorm's C"),
        .init(
            "norm_adanorm_k", .float64, source: .normalization, presence: "only for a variant with Φ(y)",
            "AdaNorm's k"),
        .init(
            "norm_transform", .string, allowed: TransformKind.allCases.map(\.rawValue), source: .normalization,
            "DyT's element-wise tanh(α·y) after the normalization, or none; older traces: none"),
        .init(
            "norm_dyt_alpha", .float64, source: .normalization, presence: "only for a variant with DyT's tanh",
            "the value DyT's learned α starts at"),
    ]

    /// The declared setting named `name`, or nil for a key the format does not declare.
    public static func setting(_ name: String) -> DeclaredSetting? { settingsByName[name] }

    private static let settingsByName: [String: DeclaredSetting] = Dictionary(
        uniqueKeysWithValues: settings.map { ($0.name, $0) })

}
