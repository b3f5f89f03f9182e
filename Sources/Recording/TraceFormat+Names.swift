// MARK: - Names in a trace

extension TraceFormat {
    /// The names of every group, dataset and attribute of the trace format, shared by the writer and the schema
    /// check so the two cannot drift apart. `analysis/TRACE_FORMAT.md` describes what each holds.
    public enum Names {
        // MARK: Root attributes

        /// Root attribute: `"normscope-trace"`.
        public static let format = "format"
        /// Root attribute: the format version, an Int64 (2; 1 in older traces).
        public static let formatVersion = "format_version"
        /// Root attribute: the NormScope version that wrote the file.
        public static let toolVersion = "tool_version"
        /// Root attribute: the HDF5 library version that wrote the file.
        public static let hdf5Version = "hdf5_version"
        /// Root attribute: when the file was created, ISO 8601 in UTC.
        public static let created = "created"
        /// Root attribute: the command line that recorded the trace.
        public static let commandLine = "command_line"
        /// Root and run attribute: a configuration as JSON text (the whole sweep at the root, one run's on a run).
        public static let config = "config"

        // MARK: Groups

        /// The group holding one group per run.
        public static let runs = "runs"
        /// The group inside a run holding one group per normalization layer.
        public static let norms = "norms"

        // MARK: Run attributes

        /// Run attribute: a `RunStatus` raw value.
        public static let status = "status"
        /// Run attribute: the number of optimizer steps the run completed (Int64).
        public static let completedSteps = "completed_steps"
        /// Run attribute: the step at which the run diverged, or -1 (Int64).
        public static let divergedStep = "diverged_step"
        /// Why a diverged run diverged (a non-finite loss or gradient, or the loss above the threshold); only on
        /// runs recorded as diverged since trace format 2.
        public static let divergedReason = "diverged_reason"
        /// Run attribute: the data's prior loss, what a run that learned nothing stays at (Double, nats).
        public static let priorLoss = "prior_loss"
        /// Root attribute: how many runs the sweep (or this shard of it) holds (Int64).
        public static let runCount = "run_count"
        /// Root attribute: `i/n` for shard i of a sweep split n ways.
        public static let shard = "shard"
        /// Root: when the trace was last resumed (`record --resume`), ISO 8601 UTC.
        public static let resumedAt = "resumed_at"
        /// Root: the command line that last resumed the trace.
        public static let resumeCommandLine = "resume_command_line"
        /// Run attribute: the normalization layers' names in model order, as a JSON array of strings.
        public static let normLayers = "norm_layers"

        // MARK: Run datasets

        /// Per-step table of `StepRow`.
        public static let steps = "steps"
        /// The step dimension scale of `steps` and every `norms/<layer>/grad` (Int64).
        public static let step = "step"
        /// Evaluation table of `EvaluationRow`.
        public static let evals = "evals"
        /// The dimension scale of `evals` (Int64).
        public static let evalStep = "eval_step"

        // MARK: Layer group

        /// Layer attribute: the layer's position in the model (Int64, from 0).
        public static let layerIndex = "index"
        /// Layer attribute: the feature width H (Int64).
        public static let width = "width"
        /// Per-step table of `NormStepRow`.
        public static let grad = "grad"
        /// Φ(y) summary table of `PhiStepRow`.
        public static let phi = "phi"
        /// Φ(y) histogram counts, Int64 `[n, bins + 2]`: below the first edge, each bin, at or above the last edge.
        public static let phiHistogram = "phi_hist"
        /// The Φ histogram's bin edges, Float64 `[bins + 1]` (a dataset, and an attribute of `phi_hist`).
        public static let phiEdges = "phi_edges"
        /// The dimension scale of `phi` and `phi_hist` (Int64).
        public static let phiStep = "phi_step"
        /// Raw gradient rows of a few fixed input rows: [samples, 4 (total, direct, recentering, rescaling), rows, H].
        public static let rawParts = "raw_parts"
        /// The step of each raw sample, the scale of `raw_parts`' first axis.
        public static let rawStep = "raw_step"
        /// Format 2: the scale of `raw_parts`' axis 1, the names of the four parts (strings, `rawPartNames`).
        public static let rawPart = "part"
        /// Format 2: the scale of `raw_parts`' axis 2, the sampled input rows 0 … raw_rows − 1 (Int64).
        public static let rawRow = "row"
        /// Format 2: the scale of `raw_parts`' axis 3, the features 0 … H − 1 (Int64).
        public static let feature = "feature"
        /// The parts along `raw_parts`' axis 1, named as the prefixes of `grad`'s fields.
        public static let rawPartNames = ["total", "direct", "recenter", "rescale"]
        /// The dimension scale of axis 1 of `phi_hist`: each column's lower edge, −∞ for the first (Float64,
        /// `[bins + 2]`).
        public static let phiBin = "phi_bin"
    }
}
