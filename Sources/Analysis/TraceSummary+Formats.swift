import Foundation

extension TraceSummary {
    /// The per-preset summary, the gradient parts and the comparisons as Markdown tables.
    public func markdown(baseline: String?) -> String {
        func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        var lines = [
            row(["preset", "runs", "diverged", "best valid loss", "gap at best", "gap, last 10%", "best valid acc"]),
            row(Array(repeating: "---", count: 7)),
        ]
        for p in presets {
            lines.append(
                row([
                    p.preset, "\(p.runs)", "\(p.diverged)", p.bestValidLoss.formatted(), p.gapAtBest.formatted(),
                    p.gapLastTenth.formatted(), p.bestValidAccuracy.formatted(),
                ]))
        }
        lines += ["", row(["preset", "recenter_ratio", "rescale_ratio", "‖c‖/‖d‖", "‖s‖/‖d‖", "cos(t, d)"])]
        lines.append(row(Array(repeating: "---", count: 6)))
        for g in gradients {
            lines.append(
                row([
                    g.preset, g.recenterRatio.formatted(3), g.rescaleRatio.formatted(3),
                    g.recenteringShare.formatted(3),
                    g.rescalingShare.formatted(3), g.cosineTotalDirect.formatted(3),
                ]))
        }
        if let baseline, presets.count > 1 {
            lines += ["", row(["preset", "n (preset/\(baseline))", "Δ best valid loss", "p", "Δ gap at best", "p"])]
            lines.append(row(Array(repeating: "---", count: 6)))
            for c in comparisons(baseline: baseline) {
                lines.append(
                    row([
                        c.preset, "\(c.runs)/\(c.baselineRuns)", Self.signed(c.bestValidLoss.difference),
                        Self.probability(c.bestValidLoss.p), Self.signed(c.gapAtBest.difference),
                        Self.probability(c.gapAtBest.p),
                    ]))
            }
        }
        lines += [""] + notes.map { "- \($0)" }
        return lines.joined(separator: "\n")
    }

    /// One CSV row per run with its summary fields, for spreadsheets.
    public var csv: String {
        let header = [
            "file", "run", "preset", "seed", "status", "completed_steps", "diverged_step", "evaluations",
            "final_train_loss", "final_valid_loss", "final_valid_accuracy", "best_valid_loss", "best_valid_step",
            "best_valid_accuracy", "gap_at_end", "gap_at_best", "gap_last_tenth",
        ]
        let rows = runs.map { r in
            [
                r.file, r.id, r.preset, "\(r.seed)", r.status, "\(r.completedSteps)",
                r.divergedAtStep.map(String.init) ?? "", "\(r.evaluationCount)", "\(r.finalTrainLoss)",
                "\(r.finalValidLoss)", "\(r.finalValidAccuracy)", "\(r.bestValidLoss)", "\(r.bestValidStep)",
                "\(r.bestValidAccuracy)", "\(r.gapAtEnd)", "\(r.gapAtBest)", "\(r.gapLastTenth)",
            ].map(CSVExporter.escape).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + rows).joined(separator: "\n")
    }

    private static func signed(_ value: Double) -> String { value.isFinite ? String(format: "%+.4f", value) : "—" }
    private static func probability(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "n < 2"
    }
}
