/// Which runs of a learning-rate grid diverged or stalled, per group, and each cell's largest stable learning rate
/// (analysis/METHODS.md, "Stability over a learning-rate grid"). Built from the runs' summaries alone: per-run
/// values every other table uses, nothing read again.
public struct Stability: Sendable, Equatable, Encodable {
    /// The grouping key whose values form the grid.
    public static let key = "lr"

    /// ``RunStability/stallFraction``, in the document so a reader need not know it.
    public var stallFraction = RunStability.stallFraction
    /// One per group, in the order of the summary's groups.
    public var groups: [StabilityGroup]
    /// One per cell, in order of first appearance.
    public var frontier: [FrontierCell]

    /// The rule over `groups` and their `runs`; nil unless `lr` is a grouping key.
    init?(groups summaries: [GroupSummary], runs: [RunSummary], grouping: RunGrouping) {
        guard grouping.keys.contains(Self.key) else { return nil }
        groups = summaries.map { summary in StabilityGroup(summary, runs: runs.filter { $0.group == summary.group }) }
        let cellGrouping = RunGrouping(keys: grouping.keys.filter { $0 != Self.key })
        // The cells in order of first appearance, each with its first group (for its preset and settings).
        var cells: [(label: String, first: StabilityGroup, members: [(lr: Double, group: StabilityGroup)])] = []
        var index: [String: Int] = [:]
        // A group whose lr is not a number (a run without one) has no place on the grid; its own row still shows it.
        for group in groups {
            guard case .number(let lr) = group.lr, lr.isFinite else { continue }
            let label = cellGrouping.label(preset: group.preset, settings: group.settings)
            if let at = index[label] {
                cells[at].members.append((lr, group))
            } else {
                index[label] = cells.count
                cells.append((label, group, [(lr, group)]))
            }
        }
        frontier = cells.map { cell in
            FrontierCell(
                cell: cell.label, preset: cell.first.preset, settings: cellGrouping.values(cell.first.settings),
                groups: cell.members)
        }
    }

    private enum CodingKeys: String, CodingKey { case stallFraction, groups, frontier }
}
