extension TraceFormat {
    /// The attributes of the root, of each run group and of each layer group that are not settings: what the
    /// schema check requires, the probe reads by name when a file's attribute list is unreadable, and
    /// TRACE_FORMAT.md's tables list.
    public static let attributes: [DeclaredAttribute] = {
        typealias N = Names
        let statuses = RunStatus.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
        return [
            .init(N.format, .root, "string", "always `\(TraceFormat.name)`; check it first"),
            .init(
                N.formatVersion, .root, "int64",
                "`\(TraceFormat.version)` for this page (`1` in traces of earlier NormScopes); bumped by any change "
                    + "a reader of the previous version would misread (added attributes or datasets do not bump it)"),
            .init(
                N.toolVersion, .root, "string", "the NormScope version that wrote the file (`normscope --version`)"),
            .init(
                N.hdf5Version, .root, "string", "the HDF5 library version that wrote the file, `1.10.8` on Debian 12"),
            .init(N.created, .root, "string", "when the file was created, ISO 8601 in UTC: `2025-01-31T12:00:00Z`"),
            .init(N.commandLine, .root, "string", "the command that recorded the trace"),
            .init(N.config, .root, "string (JSON)", "the whole sweep configuration as given, `json.loads` it"),
            .init(
                N.runCount, .root, "int64",
                "how many runs the sweep (or this shard of it) holds; written by `normscope record`"),
            .init(N.shard, .root, "string", "`i/n` when the trace is shard i of a sweep split n ways"),
            .init(N.resumedAt, .root, "string", "when the trace was last resumed (`record --resume`), ISO 8601 UTC"),
            .init(N.resumeCommandLine, .root, "string", "the command line that last resumed the trace"),
            .init(N.config, .run, "string (JSON)", "the run's full configuration"),
            .init(N.status, .run, "string", "\(statuses) (below)"),
            .init(N.completedSteps, .run, "int64", "optimizer steps the run completed"),
            .init(
                N.divergedStep, .run, "int64",
                "the step whose loss was not finite (or passed the divergence threshold), `-1` if none"),
            .init(
                N.divergedReason, .run, "string",
                "why a diverged run diverged: `the loss is NaN`, `the gradient norm is not finite (inf)`, `the loss "
                    + "9.687e+29 is above the divergence threshold 2423 (1000 × the first step's loss)`; only on "
                    + "diverged runs (format 2)"),
            .init(
                N.priorLoss, .run, "float64",
                "the loss of predicting the training split's frequencies (labels, or bytes for `char-lm`, one count "
                    + "added to each of the V classes) as cross-entropy on what the validation evaluation predicts, "
                    + "in nats: the level a run that learned nothing stays at (analysis/METHODS.md, \"Stability over "
                    + "a learning-rate grid\"); written when the run starts; absent from traces of earlier NormScopes"),
            .init(
                N.normLayers, .run, "string (JSON)",
                "the normalization layers' names in model order, a JSON array"),
            .init(
                N.layerIndex, .layer, "int64",
                "the layer's position in the model, from 0 (the order of `norm_layers`)"),
            .init(N.width, .layer, "int64", "the feature width H the layer normalizes over"),
        ]
    }()

    /// The attributes the writer keeps on every run group (`config`, `status`, `prior_loss`, …): never a run's
    /// settings, and refused as a setting's name.
    public static let runAttributeNames: Set<String> = Set(attributes.filter { $0.place == .run }.map(\.name))

    /// Every attribute name the format declares, settings included: the names the damage probe reads one by one
    /// when a file's attribute list cannot be read.
    public static var attributeNames: [String] {
        var seen = Set<String>()
        return (attributes.map(\.name) + settings.map(\.name)).filter { seen.insert($0).inserted }
    }
}
