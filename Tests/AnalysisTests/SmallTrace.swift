import Recording

/// Small traces written in-process for the summary and report tests: no model is trained, so they take
/// milliseconds.
enum SmallTrace {
    /// A trace with one run per (preset, seed, valid losses), each evaluated at steps 0, 10, 20, …; `lr`, when
    /// given, is each run's learning rate in its configuration (which then also holds its preset and seed).
    static func write(
        _ path: String, runs: [(preset: String, seed: Int, valid: [Double])], lr: Double? = nil
    ) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        for run in runs {
            let handle = try writer.beginRun(
                RunDescription(
                    id: "\(run.preset)-s\(run.seed)",
                    attributes: ["preset": .string(run.preset), "seed": .int64(Int64(run.seed))],
                    configurationJSON: lr.map { #"{"preset": "\#(run.preset)", "seed": \#(run.seed), "lr": \#($0)}"# }
                        ?? "{}"))
            for (index, valid) in run.valid.enumerated() {
                // Ten steps per evaluation, so that each evaluation's step is one the run recorded.
                for step in (index * 10)..<(index * 10 + 10) {
                    try writer.append(
                        step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                        norms: [], to: handle)
                }
                try writer.append(
                    evaluation: EvaluationRow(
                        step: Int64(index * 10), trainLoss: 0.5, trainAccuracy: 1, validLoss: valid, validAccuracy: 0.9),
                    to: handle)
            }
            try writer.finishRun(handle, status: .completed, completedSteps: Int64(run.valid.count * 10))
        }
        try writer.close()
    }
}
