/// What the top of a report says before any number: runs given twice (counted once), how runs were grouped, which
/// runs did not finish, which objects were damaged (their values left out) and which could not be read.
extension TraceReport {
    var warnings: [String] {
        var blocks: [String] = []
        if !summary.duplicates.isEmpty {
            blocks.append(
                box(
                    "Runs given twice — each counted once, from the first file",
                    summary.leader.map { "<li>\(escape($0))</li>" }))
        }
        if !summary.grouping.keys.isEmpty {
            let how = summary.grouping.automatic ? "the settings that differ between the runs" : "--group-by"
            blocks.append(
                "<p class=\"meta\">Groups: preset + " + summary.grouping.keys.map { "<code>\(escape($0))</code>" }
                    .joined(separator: ", ") + " (\(escape(how))); runs are pooled over seeds only.</p>")
        }
        let unfinished = summary.runs.filter { !$0.isFinished || $0.divergedAtStep != nil }
        if !unfinished.isEmpty {
            let items = unfinished.map { run in
                let state = run.divergedAtStep.map { "diverged at step \($0)" } ?? run.status.description
                return "<li><code>\(escape(run.name))</code> (\(escape(run.group))): \(escape(state)), "
                    + "\(run.stepRows >= 0 ? run.stepRows : Int(run.completedSteps)) steps recorded</li>"
            }
            blocks.append(box("Runs that did not finish normally", items))
        }
        if !summary.damaged.isEmpty {
            blocks.append(
                box(
                    "Damaged — these values cannot be right and are left out of every number below",
                    summary.damaged.map { "<li>\(escape($0.description))</li>" }))
        }
        if !summary.missing.isEmpty {
            blocks.append(
                box(
                    "Missing from the trace — the rest of this report is complete without it",
                    summary.missing.map { "<li>\(escape($0.description))</li>" }))
        }
        return blocks
    }

    private func box(_ title: String, _ items: [String]) -> String {
        "<div class=\"missing\"><strong>\(escape(title)):</strong><ul>" + items.joined() + "</ul></div>"
    }
}
