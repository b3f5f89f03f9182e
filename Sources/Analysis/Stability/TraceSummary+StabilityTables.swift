extension TraceSummary {
    /// The stability rule's two tables, after the validation table, when the runs span a learning-rate grid.
    var stabilityTables: [SummaryTable] {
        guard let stability else { return [] }
        return [stabilityTable(stability), frontierTable(stability)]
    }

    func stabilityTable(_ stability: Stability) -> SummaryTable {
        let percent = Int(((1 - stability.stallFraction) * 100).rounded())
        return SummaryTable(
            .stability,
            title: "Stability per \(groupColumn)",
            header: [
                groupColumn, "runs", "diverged", "stalled", "median step of divergence",
                "best valid loss of stable runs",
            ],
            rows: stability.groups.map { g in
                [
                    g.group, "\(g.runs)" + (g.unfinished > 0 ? " (+\(g.unfinished) unfinished)" : ""),
                    "\(g.diverged)", "\(g.stalled)", g.medianDivergenceStep.map(Self.step) ?? "—",
                    g.stableBestValidLoss.formatted(),
                ]
            },
            footer: [
                "diverged = recorded as diverged, or the loss or gradient was not finite or passed the divergence "
                    + "threshold; stalled = not diverged, with no usable evaluation or a best validation loss above "
                    + "\(stability.stallFraction) × the data's prior loss (less than \(percent)% learned beyond its "
                    + "frequencies; runs without a recorded prior never stall); unfinished runs that did not diverge are not counted (analysis/METHODS.md, "
                    + "\"Stability over a learning-rate grid\")."
            ])
    }

    /// A median step: whole, or halfway between two steps.
    static func step(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(format: "%.1f", value)
    }

    func frontierTable(_ stability: Stability) -> SummaryTable {
        func rate(_ value: Double) -> String { RunSettings.canonical(value) }
        return SummaryTable(
            .frontier,
            title: "Largest stable learning rate per cell",
            header: ["cell", "grid", "largest stable lr", "edge of grid"],
            rows: stability.frontier.map { c in
                [
                    c.cell, c.learningRates.map(rate).joined(separator: ", "), c.largestStableLR.map(rate) ?? "none",
                    c.atGridEdge ? "yes" : "no",
                ]
            },
            footer: [
                "a cell is the groups that agree in every grouping key but lr; its largest stable lr is the largest "
                    + "whose counted runs were all stable (none when every lr had an unstable run), at the edge of "
                    + "the grid when no larger lr was tried, so the variant may be stable beyond it."
            ])
    }
}
