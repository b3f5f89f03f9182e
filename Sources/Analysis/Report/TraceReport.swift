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

    /// The whole page: the header and warnings, then each section (``ReportSection``) with its charts and tables.
    public func html(generated: Date = Date()) -> String {
        let tables = summary.tables(baseline: baseline)
        var body: [String] = []
        body.append("<h1>NormScope report</h1>")
        let inputs = summary.inputs.map { "<code>\(escape($0.description))</code>" }.joined(separator: ", ")
        body.append(
            "<p class=\"meta\">" + inputs + " · "
                + "\(summary.runs.count) runs, \(summary.groups.count) groups · generated "
                + escape(ISO8601DateFormatter().string(from: generated)) + "</p>")
        body.append(contentsOf: warnings)
        // The stability section only over a learning-rate grid, where it has something to say.
        let sections = ReportSection.allCases.filter { $0 != .stability || summary.stability != nil }
        body.append(
            "<nav>"
                + sections.map { "<a href=\"#\($0.anchor)\">\($0.label)</a>" }.joined(separator: " · ")
                + "</nav>")
        for section in sections {
            // The section's tables in its order, found by kind: a retitled table stays where it belongs.
            let shown = section.tables.compactMap { kind in tables.first { $0.kind == kind }.map(Self.html(table:)) }
            body.append("<section id=\"\(section.anchor)\"><h2>\(section.heading)</h2>")
            body.append(contentsOf: content(of: section, tables: shown))
            body.append("</section>")
        }
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
