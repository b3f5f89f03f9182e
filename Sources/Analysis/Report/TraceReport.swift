import Charts
import Foundation
import OutputFiles

/// `normscope report`: a trace summary as one self-contained HTML page — inline CSS and SVG, no script, no network —
/// with the tables of `normscope analyze` and the charts the paper's claims are read from.
public struct TraceReport: Sendable {
    public var summary: TraceSummary
    public var files: [String]
    public var baseline: String?
    /// Shown in the page's footer: which NormScope made it.
    public var toolVersion: String

    public init(summary: TraceSummary, files: [String], baseline: String?, toolVersion: String) {
        self.summary = summary
        self.files = files
        self.baseline = baseline
        self.toolVersion = toolVersion
    }

    /// The whole page.
    public func html(generated: Date = Date()) -> String {
        let tables = summary.tables(baseline: baseline)
        func table(titled prefix: String) -> String {
            tables.first { $0.title.hasPrefix(prefix) }.map(Self.html(table:)) ?? ""
        }
        var body: [String] = []
        body.append("<h1>NormScope report</h1>")
        let inputs = summary.inputs.map { "<code>\(escape($0.description))</code>" }.joined(separator: ", ")
        body.append(
            "<p class=\"meta\">" + inputs + " · "
                + "\(summary.runs.count) runs, \(summary.groups.count) groups · generated "
                + escape(ISO8601DateFormatter().string(from: generated)) + "</p>")
        body.append(contentsOf: warnings)
        body.append(
            "<nav>"
                + [
                    ("overfitting", "Overfitting"), ("gradients", "Gradient parts"), ("theorem", "Theorem 1"),
                    ("phi", "Φ(y)"), ("notes", "Notes"),
                ].map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined(separator: " · ") + "</nav>")

        body.append("<section id=\"overfitting\"><h2>Overfitting</h2>")
        body.append(
            "<p>Training and validation loss, both in evaluation mode at the same steps, mean over each group's "
                + "runs, on a log scale and, after the first tenth of training, on a linear one where the gap can "
                + "be read. A colour is a preset in every chart of this report, the same whichever presets the traces "
                + "hold (and in normscope-plot's figures)"
                + (summary.groups.count > Set(summary.groups.map(\.preset)).count
                    ? "; groups of one preset at different settings share its colour and are told apart by marker "
                        + "shape (●, ■, ▲, …), named in the legend" : "")
                + ". The paper's claim: compared with AdaNorm, LayerNorm has lower training loss but higher "
                + "validation loss.</p>")
        body.append(figures([lossChart, linearLossChart, gapChart]))
        body.append(table(titled: "Overfitting"))
        body.append(table(titled: "Validation"))
        body.append(table(titled: "Test split"))
        body.append(table(titled: "Against"))
        body.append("</section>")

        body.append("<section id=\"gradients\"><h2>Gradient parts</h2>")
        body.append(
            "<p>Per norm layer, the norms of the total input gradient t and of its three parts — direct d, "
                + "re-centering c (through μ) and re-scaling s (through σ) — over training steps (log scale; a "
                + "detached part is exactly 0 and not drawn; each chart in its preset's colour, the parts told "
                + "apart by line style: d solid, c dashed, s dotted, t dash-dotted), and rescale_ratio = rowvar(t)/rowvar(d + c), below 1 "
                + "where the σ-derivative shrinks the gradient's variance.</p>")
        body.append(figures(rescaleCharts))
        body.append(figures(partCharts))
        body.append(table(titled: "Gradient parts"))
        body.append(table(titled: "Per layer"))
        body.append(table(titled: "Re-centering and re-scaling"))
        body.append("</section>")

        body.append("<section id=\"theorem\"><h2>Theorem 1 on the recorded gradients</h2>")
        let theorem = table(titled: "Theorem 1")
        body.append(theorem.isEmpty ? "<p>No run recorded its normalization settings.</p>" : theorem)
        body.append("</section>")

        body.append("<section id=\"phi\"><h2>AdaNorm's Φ(y)</h2>")
        let maps = phiMaps
        let quantiles = phiQuantileCharts
        body.append(
            maps.isEmpty && quantiles.isEmpty
                ? "<p>No adaptive layer recorded Φ(y).</p>"
                : "<p>Φ's mean (dash-dotted; it should stay at C) and quantiles over training, in the preset's colour; "
                    + "the share of elements with Φ ≤ 0 (drawn only for a layer where it is not 0 at every step: "
                    + "otherwise Φ stayed positive throughout), then the share of a layer's elements in each Φ bin "
                    + "per recorded step (columns "
                    + "sum to 1; log colour). The heat map's bottom row collects Φ below the first edge (Φ &lt; 0 "
                    + "with the default edges), its top row Φ at or above the last.</p>"
                    + figures(quantiles + phiNonPositiveCharts) + figures(maps))
        body.append(table(titled: "AdaNorm"))
        body.append("</section>")

        body.append("<section id=\"notes\"><h2>Notes</h2>")
        body.append(
            summary.notes.isEmpty
                ? "<p>None.</p>" : "<ul>" + summary.notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        body.append("</section>")
        body.append(
            "<footer>Made by NormScope \(escape(toolVersion)). Numbers are mean ± sample sd (n runs). "
                + "Trace format: analysis/TRACE_FORMAT.md.</footer>")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>NormScope report — \(escape(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// Writes the page to `output`, checked when the command began (a folder, a device, a trace being read or an
    /// existing file without `--force` was refused then) and again now: aside under a unique name, renamed into
    /// place whole, so a failure or an interrupt leaves the old file or none, and never a temporary.
    public func write(to output: OutputFile) throws(OutputError) {
        try output.write(text: html())
    }

    static func html(table: SummaryTable) -> String {
        let head = "<tr>" + table.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        let rows = table.rows.map { row in
            "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }.joined()
        let foot = table.footer.map { "<p class=\"foot\">\(escape($0))</p>" }.joined()
        return "<h3>\(escape(table.title))</h3><div class=\"scroll\"><table><thead>\(head)</thead><tbody>\(rows)"
            + "</tbody></table></div>\(foot)"
    }

    func figures(_ svgs: [String]) -> String {
        svgs.isEmpty ? "" : "<div class=\"figures\">" + svgs.map { "<figure>\($0)</figure>" }.joined() + "</div>"
    }

    // Wide tables scroll inside their box; on a narrow screen (a phone, 400 px) a chart keeps its own size and
    // scrolls inside its box too, since scaled down to the screen its 10–13 px text became unreadable.
    static let style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1180px;margin:2em auto;\
        padding:0 1em}h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}\
        h3{font-size:1em;margin:1.4em 0 .4em}.meta{color:#666}nav a{margin:0 .2em}code{font-size:.9em}\
        .figures{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figure svg{max-width:100%;height:auto}\
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}\
        th,td{border-bottom:1px solid #e4e4e4;padding:3px 10px;text-align:left;white-space:nowrap}\
        th{background:#f6f6f6}.foot{color:#555;font-size:13px;margin:.3em 0}\
        .missing{background:#fff4e5;border:1px solid #f0b35a;padding:.6em 1em;border-radius:4px}\
        footer{margin-top:3em;color:#777;font-size:13px}\
        @media (max-width:600px){body{margin:1em auto}figure{max-width:100%;overflow-x:auto}\
        figure svg{max-width:none}}
        """
}

func escape(_ text: String) -> String { XMLEscaping.escape(text) }
