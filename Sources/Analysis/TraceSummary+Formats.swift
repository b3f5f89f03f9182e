import Foundation

extension TraceSummary {
    /// Every table of the summary, in reading order: overfitting and validation per preset, stability over a
    /// learning-rate grid, the test split, the comparisons with
    /// `baseline`, gradient parts late in training, per layer early → late and the raw measures, Theorem 1 on the
    /// recorded steps, Φ(y) per layer.
    public func tables(baseline: String?) -> [SummaryTable] {
        var tables = [overfittingTable, validationTable] + stabilityTables
        if groups.contains(where: { $0.testLossAtBest.count > 0 }) { tables.append(testTable) }
        if let baseline, !comparisons(baseline: baseline).isEmpty {
            tables.append(comparisonTable(baseline: baseline))
        }
        if !gradients.isEmpty, layers.values.contains(where: { !$0.isEmpty }) {
            tables += [gradientTable, layerTable]
            if layers.values.contains(where: { $0.contains { $0.dynamicTanh != nil } }) {
                tables.append(dynamicTanhTable)
            }
            // Traces recorded before `abs_mean_over_std` read NaN in it: no table of dashes for them.
            let recorded = { (layer: LayerGradientSummary) in
                layer.early.absMeanOverStd.isFinite || layer.late.absMeanOverStd.isFinite
            }
            if layers.values.contains(where: { $0.contains(where: recorded) }) {
                tables.append(recenteringTable)
            }
            tables.append(measuresTable)
        }
        if !theoremChecks.isEmpty { tables.append(theoremTable) }
        if layers.values.contains(where: { $0.contains { $0.phi != nil } }) { tables.append(phiTable) }
        return tables
    }

    /// The terminal output of `normscope analyze`: the runs given twice (first, so a reader sees them before any
    /// number they might have changed), every table, then notes and what is missing.
    public func text(baseline: String?) -> String {
        ([leader.joined(separator: "\n")] + tables(baseline: baseline).map(\.text) + [trailer.joined(separator: "\n")])
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// The same as Markdown.
    public func markdown(baseline: String?) -> String {
        ([leader.map { "- \($0)" }.joined(separator: "\n")] + tables(baseline: baseline).map(\.markdown)
            + [trailer.map { "- \($0)" }.joined(separator: "\n")])
            .filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// What the output says before any table: each run left out as a repeat of a run of an earlier file, one line
    /// per pair of files.
    public var leader: [String] { DuplicateRun.lines(duplicates) }

    /// Notes, then every object whose values cannot all be right, then every object that could not be read.
    public var trailer: [String] {
        notes.map { "note: \($0)" } + damaged.map { "damaged: \($0)" } + missing.map { "missing: \($0)" }
    }

    /// The first column's name: `preset` while nothing but the seed varies, else `group` (preset + settings).
    var groupColumn: String { grouping.keys.isEmpty ? "preset" : "group" }

    var overfittingTable: SummaryTable {
        SummaryTable(
            .overfitting,
            title: "Overfitting per \(groupColumn)",
            header: [groupColumn, "runs", "diverged", "unfinished", "gap at end", "gap at best", "gap, last 10%"],
            rows: groups.map { p in
                [
                    p.group, "\(p.runs)", "\(p.diverged)", "\(p.unfinished)", p.gapAtEnd.formatted(),
                    p.gapAtBest.formatted(), p.gapLastTenth.formatted(),
                ]
            },
            footer: [
                "mean ± sample sd (n runs); gap = validation − training loss, both in evaluation mode, at the last "
                    + "evaluation, at the best-validation one and averaged over the last 10% of evaluations; "
                    + "unfinished = still running, killed, interrupted or of unknown status (see the notes)."
            ] + groupingFooter)
    }

    var validationTable: SummaryTable {
        SummaryTable(
            .validation,
            title: "Validation loss and accuracy per \(groupColumn)",
            header: [groupColumn, "final valid loss", "best valid loss", "final valid acc", "best valid acc"],
            rows: groups.map { p in
                [
                    p.group, p.finalValidLoss.formatted(), p.bestValidLoss.formatted(),
                    p.finalValidAccuracy.formatted(), p.bestValidAccuracy.formatted(),
                ]
            },
            footer: ["final = at the last finite evaluation; best = at the evaluation with the lowest validation loss."]
        )
    }

    /// The held-out test split at the best-validation step: what a paper reports. Bits per character for
    /// language models, accuracy for classifiers.
    var testTable: SummaryTable {
        let languageModels = runs.contains(where: \.isLanguageModel)
        var header = [groupColumn, "test loss at best", "test acc at best"]
        if languageModels { header += ["best valid bpc", "test bpc at best"] }
        return SummaryTable(
            .testSplit,
            title: "Test split at the best validation step per \(groupColumn)",
            header: header,
            rows: groups.map { p in
                var row = [p.group, p.testLossAtBest.formatted(), p.testAccuracyAtBest.formatted()]
                if languageModels {
                    row += [p.bestValidBitsPerCharacter.formatted(), p.testBitsPerCharacterAtBest.formatted()]
                }
                return row
            },
            footer: [
                "at the evaluation with each run's lowest validation loss (the test split never chooses anything); "
                    + "loss in nats"
                    + (languageModels ? ", bpc = bits per character (loss ÷ ln 2; a byte is a character here)" : "")
                    + "; — where the trace did not measure the test split."
            ])
    }

    /// Per preset and layer, the re-centering and re-scaling measures themselves over the last 10% of steps.
    var measuresTable: SummaryTable {
        var rows: [[String]] = []
        for group in groups.map(\.group) {
            let (runLayers, names) = layers(of: group)
            for name in names {
                let late = runLayers.compactMap { $0.first { $0.layer == name }?.late }
                func cell(_ value: (GradientWindow) -> Double) -> String {
                    Self.scientific(Aggregate(late.map(value)).mean)
                }
                rows.append([
                    group, name, "\(late.count)", cell(\.totalRowMeanAbs), cell(\.directRowMeanAbs),
                    cell(\.totalRowVariance), cell(\.directRowVariance), cell(\.recenteringRowVariance),
                    cell(\.rescalingRowVariance),
                ])
            }
        }
        return SummaryTable(
            .measures,
            title: "Re-centering and re-scaling measures per layer, last 10% of steps (mean over runs)",
            header: [
                groupColumn, "layer", "runs", "rowmean_abs(t)", "rowmean_abs(d)", "rowvar(t)", "rowvar(d)", "rowvar(c)",
                "rowvar(s)",
            ],
            rows: rows,
            footer: [
                "rowmean_abs: mean over rows of |row mean| (re-centering drives t's to 0); rowvar: mean within-row "
                    + "variance (Theorem 1's D)."
            ])
    }

    static func scientific(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3e", value) : number(value)
    }

    func comparisonTable(baseline: String) -> SummaryTable {
        let unmatched = uncomparedGroups(baseline: baseline)
        let all = comparisons(baseline: baseline)
        var rows: [[String]] = []
        for comparison in all {
            for (name, e) in comparison.estimates {
                rows.append([comparison.group, name] + Self.comparisonCells(e))
            }
        }
        let method = all.first?.bestValidLoss.interval.method ?? "percentile bootstrap"
        return SummaryTable(
            .comparison,
            title: "Against \(baseline) at the same settings: Δ = \(groupColumn) − baseline over seeds",
            header: [
                groupColumn, "quantity", "n (it/baseline)", "Δ", "95% interval", "Welch p", "Hedges' g", "verdict",
            ],
            rows: rows,
            footer: [
                "interval: \(method), resampling each group's runs; verdict lower/higher when the interval excludes 0 "
                    + "and Welch's p < 0.05 (with 2–3 seeds a percentile interval alone covers less than its 95%: "
                    + "about 67% at n = 2, 81% at n = 3 in simulation); no test when neither side varies over its "
                    + "runs (Welch's t is undefined: zero variance); too few runs below 2 a side "
                    + "(analysis/METHODS.md, \"Comparing groups\")."
            ]
                + (unmatched.isEmpty
                    ? []
                    : ["not compared (no \(baseline) run at the same settings): " + unmatched.joined(separator: "; ")]))
    }

    /// A comparison row's cells after the group and quantity: both n's, Δ, the interval, Welch's p, Hedges' g and the
    /// verdict. A missing number says why it is missing, in the words of the rule the verdict follows: `n < 2`,
    /// `zero variance` (neither side varies, so Welch's t is undefined) or `not finite`.
    static func comparisonCells(_ e: DifferenceEstimate) -> [String] {
        let few = min(e.count, e.baselineCount) < 2
        let interval =
            e.interval.lower.isFinite
            ? "[\(signed(e.interval.lower)), \(signed(e.interval.upper))]" : few ? "— (n < 2)" : "— (not finite)"
        let p = e.welch.undefined.map { "— (\($0.short))" } ?? String(format: "%.3f", e.welch.p)
        let g =
            e.effectSize.g.isFinite
            ? String(format: "%+.2f", e.effectSize.g)
            : few ? "— (n < 2)" : e.welch.undefined == .zeroVariance ? "— (zero variance)" : "— (not finite)"
        return [
            "\(e.count)/\(e.baselineCount)", e.difference.isFinite ? signed(e.difference) : "—", interval, p, g,
            e.verdict.description,
        ]
    }

    static func signed(_ value: Double) -> String {
        abs(value) >= 1e6 ? String(format: "%+.3e", value) : String(format: "%+.4f", value)
    }

    var gradientTable: SummaryTable {
        SummaryTable(
            .gradientParts,
            title: "Gradient parts, last 10% of steps, averaged over each run's norm layers",
            header: [groupColumn, "recenter_ratio", "rescale_ratio", "‖c‖/‖d‖", "‖s‖/‖d‖", "cos(t, d)"],
            rows: gradients.map { g in
                [
                    g.group, g.recenterRatio.formatted(3), g.rescaleRatio.formatted(3),
                    g.recenteringShare.formatted(3), g.rescalingShare.formatted(3), g.cosineTotalDirect.formatted(3),
                ]
            },
            footer: [
                "recenter_ratio = rowmean_abs(t)/rowmean_abs(d): 0 when re-centering removes each row's mean; "
                    + "rescale_ratio = rowvar(t)/rowvar(d + c): below 1 where the σ-derivative shrinks the variance."
            ])
    }

    /// DyT's α and the share of saturated elements per group and layer, first 10% → last 10% of steps: what DyT
    /// records in place of the mean's and the variance's derivatives, which it does not have.
    var dynamicTanhTable: SummaryTable {
        var rows: [[String]] = []
        for group in groups.map(\.group) {
            let (runLayers, names) = layers(of: group)
            for name in names {
                let summaries = runLayers.compactMap { $0.first { $0.layer == name }?.dynamicTanh }
                guard !summaries.isEmpty else { continue }
                func cell(_ early: (DynamicTanhSummary) -> Double, _ late: (DynamicTanhSummary) -> Double) -> String {
                    Self.number(Aggregate(summaries.map(early)).mean) + " → "
                        + Self.number(Aggregate(summaries.map(late)).mean)
                }
                rows.append([
                    group, name, "\(summaries.count)", cell(\.earlyAlpha, \.lateAlpha),
                    cell(\.earlySaturatedShare, \.lateSaturatedShare),
                ])
            }
        }
        return SummaryTable(
            .dynamicTanh,
            title: "DyT per layer, first 10% → last 10% of steps (mean over runs)",
            header: [groupColumn, "layer", "runs", "α", "saturated share"],
            rows: rows,
            footer: [
                "DyT, y = γ ⊙ tanh(α x) + β, has no mean or variance to differentiate through: its gradient is all "
                    + "direct part; α is its learned scale, the saturated share that of elements with |α x| > 2."
            ])
    }

    /// How much the forward pass re-centres each layer's input (analysis/METHODS.md, "How much the forward pass
    /// re-centres"), per group and layer, first 10% → last 10% of steps, mean over runs.
    var recenteringTable: SummaryTable {
        var rows: [[String]] = []
        for group in groups.map(\.group) {
            let (runLayers, names) = layers(of: group)
            for name in names {
                let windows = runLayers.compactMap { $0.first { $0.layer == name } }
                guard !windows.isEmpty else { continue }
                rows.append([
                    group, name, "\(windows.count)",
                    Self.number(Aggregate(windows.map(\.early.absMeanOverStd)).mean) + " → "
                        + Self.number(Aggregate(windows.map(\.late.absMeanOverStd)).mean),
                ])
            }
        }
        return SummaryTable(
            .forwardRecentering,
            title: "Forward re-centering per layer, first 10% → last 10% of steps (mean over runs)",
            header: [groupColumn, "layer", "runs", "mean |μ|/σ"],
            rows: rows,
            footer: [
                "|μ|/σ of each input row (population σ, no ε), averaged over rows: how far subtracting the mean moves "
                    + "a row in units of its spread; near 0, re-centering does almost nothing in the forward pass. It "
                    + "describes the input, so every variant has it, also those that do not subtract the mean."
            ])
    }

    /// Per preset and layer (model order), the first and last 10% of steps, mean over the preset's runs.
    var layerTable: SummaryTable {
        var rows: [[String]] = []
        for group in groups.map(\.group) {
            let (runLayers, names) = layers(of: group)
            for name in names {
                let windows = runLayers.compactMap { $0.first { $0.layer == name } }
                func cell(_ value: (GradientWindow) -> Double) -> String {
                    let early = Aggregate(windows.map { value($0.early) })
                    let late = Aggregate(windows.map { value($0.late) })
                    return Self.number(early.mean) + " → " + Self.number(late.mean)
                }
                rows.append([
                    group, name, "\(windows.count)", cell(\.recenterRatio), cell(\.rescaleRatio),
                    cell(\.recenteringShare), cell(\.rescalingShare), cell(\.cosineTotalDirect),
                ])
            }
        }
        return SummaryTable(
            .perLayer,
            title: "Per layer, first 10% → last 10% of steps (mean over runs)",
            header: [
                groupColumn, "layer", "runs", "recenter_ratio", "rescale_ratio", "‖c‖/‖d‖", "‖s‖/‖d‖", "cos(t, d)",
            ],
            rows: rows)
    }

    var theoremTable: SummaryTable {
        SummaryTable(
            .theorem,
            title: "Theorem 1 on the recorded gradients, every step of every layer",
            header: [groupColumn, "case", "identity", "measured as", "holds at", "observed", "verdict"],
            rows: theoremChecks.map { c in
                [
                    c.group, c.theoremCase, c.identity, c.measure,
                    "\(c.stepsHolding)/\(c.steps) steps, \(c.runs) run\(c.runs == 1 ? "" : "s") × layers = \(c.layerRuns)"
                        + (c.excludedSteps > 0 ? "; \(c.excludedSteps) damaged steps left out" : ""),
                    Self.number(c.observedMin, digits: 6) + " … " + Self.number(c.observedMax, digits: 6),
                    c.steps == 0 ? "no data" : c.holds ? "holds" : "FAILS at \(c.steps - c.stepsHolding) steps",
                ]
            },
            footer: [
                "tolerance \(TheoremEvidence.tolerance) on the ratios (relative to C for ⟨Φ⟩); the parts act on the "
                    + "gradient reaching the normalized value (γ ⊙ g with a gain, Φ ⊙ g for AdaNorm)."
            ])
    }

    /// Per preset and adaptive layer, Φ(y) early and late in training, mean over runs.
    var phiTable: SummaryTable {
        var rows: [[String]] = []
        for group in groups.map(\.group) {
            let (runLayers, names) = layers(of: group) { $0.phi != nil }
            for name in names {
                let phis = runLayers.compactMap { $0.first { $0.layer == name }?.phi }
                let scale = phis.compactMap(\.scale).first.map { Self.number($0, digits: 2) } ?? "?"
                for (label, window) in [("first 10%", \PhiSummary.early), ("last 10%", \PhiSummary.late)] {
                    func cell(_ value: (PhiWindow) -> Double, digits: Int = 3) -> String {
                        Self.number(Aggregate(phis.map { value($0[keyPath: window]) }).mean, digits: digits)
                    }
                    rows.append([
                        group, name, label, "\(phis.count)", scale, cell(\.mean, digits: 4), cell(\.standardDeviation),
                        cell(\.q05), cell(\.q50), cell(\.q95), cell(\.fractionNonPositive, digits: 5),
                    ])
                }
            }
        }
        return SummaryTable(
            .phi,
            title: "AdaNorm's Φ(y) = C(1 − k·y) per layer, over recorded steps (mean over runs)",
            header: [groupColumn, "layer", "window", "runs", "C", "mean Φ", "sd", "q05", "q50", "q95", "Φ ≤ 0"],
            rows: rows,
            footer: [
                "mean Φ should equal C (rows are centred); Φ ≤ 0 is the share of elements whose factor flips sign."
            ])
    }

    /// How the groups were formed, for the first table's footer.
    var groupingFooter: [String] {
        guard !grouping.keys.isEmpty else { return [] }
        let how = grouping.automatic ? "settings that differ between the runs" : "--group-by"
        return ["groups: preset + " + grouping.keys.joined(separator: ", ") + " (\(how)); runs pooled over seeds only."]
    }

    /// The layer lists of a group's runs, and the names of the layers that pass `include`, in model order as first
    /// seen over the runs.
    func layers(
        of group: String, where include: (LayerGradientSummary) -> Bool = { _ in true }
    ) -> (runs: [[LayerGradientSummary]], names: [String]) {
        let runLayers = runs.filter { $0.group == group }.compactMap { layers[$0.name] }
        var names: [String] = []
        for layer in runLayers.joined() where include(layer) && !names.contains(layer.layer) {
            names.append(layer.layer)
        }
        return (runLayers, names)
    }

    static func number(_ value: Double, digits: Int = 3) -> String {
        value.isFinite ? Aggregate.format(value, digits) : value.isNaN ? "—" : value > 0 ? "inf" : "-inf"
    }

    static func csvNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }

    /// One CSV row per run with its summary fields and its group (name and grouping settings), for spreadsheets; the
    /// file's label after the file when any file was given one.
    public var csv: String {
        // A label column only when a file was given one, so the columns of unlabelled input stay as they were.
        let labelled = inputs.contains { $0.label != nil }
        let header =
            ["file"] + (labelled ? ["label"] : []) + ["run", "group", "preset"] + grouping.keys + [
                "seed", "status", "completed_steps", "diverged_step", "evaluations",
                "final_train_loss", "final_valid_loss", "final_valid_accuracy", "best_valid_loss", "best_valid_step",
                "best_valid_accuracy", "gap_at_end", "gap_at_best", "gap_last_tenth", "test_loss_at_best",
                "test_accuracy_at_best",
            ]
            // Over a learning-rate grid, each run's verdict and the prior it was judged against.
            + (stability != nil ? ["prior_loss", "stability"] : [])
        let rows = runs.map { r in
            let identity: [String] = [r.file] + (labelled ? [r.label ?? ""] : []) + [r.id, r.group, r.preset]
            let settings: [String] = grouping.keys.map { RunGrouping.text(r.settings[$0]) }
            let fields: [String] = [
                "\(r.seed)", r.status.description, "\(r.completedSteps)", r.divergedAtStep.map(String.init) ?? "",
                "\(r.evaluationCount)",
            ]
            // An empty field, not "nan", for a number that is not available, as pandas expects.
            let numbers: [String] =
                [
                    r.finalTrainLoss, r.finalValidLoss, r.finalValidAccuracy, r.bestValidLoss,
                ].map(Self.csvNumber) + ["\(r.bestValidStep)"]
                + [
                    r.bestValidAccuracy, r.gapAtEnd, r.gapAtBest, r.gapLastTenth, r.testLossAtBest,
                    r.testAccuracyAtBest,
                ].map(Self.csvNumber)
            let verdict = stability != nil ? [Self.csvNumber(r.priorLoss ?? .nan), RunStability(r).rawValue] : []
            return (identity + settings + fields + numbers + verdict).map(CSVExporter.escape).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + rows).joined(separator: "\n")
    }
}
