import Foundation
import TestSupport
import Testing

@testable import Analysis

/// The report places the summary's tables by their kind, so that none is lost when a title changes.
@Suite("Report sections")
struct ReportSectionTests {
    @Test("every kind of summary table belongs to exactly one section of the report")
    func everyTableHasOneSection() {
        let placed = ReportSection.allCases.flatMap(\.tables)
        #expect(placed.count == Set(placed).count, "a table in two sections: \(placed)")
        #expect(Set(placed) == Set(SummaryTable.Kind.allCases))
    }

    @Test("each table of the summary is in the report once, in the section of its kind")
    func tablesInTheirSections() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        try SmallTrace.write(
            path,
            runs: [
                ("layernorm", 0, [2, 1]), ("layernorm", 1, [3, 2]), ("adanorm", 0, [1, 0.75]),
                ("adanorm", 1, [2, 0.5]),
            ])
        let summary = try TraceSummary(paths: [path])
        var report = TraceReport(summary: summary, files: [path], baseline: "layernorm", toolVersion: "test")
        let tables = summary.tables(baseline: "layernorm")
        #expect(tables.map(\.kind).contains(.comparison))
        let html = report.html()
        for table in tables {
            let section = try #require(ReportSection.allCases.first { $0.tables.contains(table.kind) })
            let block = TraceReport.html(table: table)
            #expect(html.components(separatedBy: block).count == 2, "\(table.title) not once in the report")
            let start = try #require(html.range(of: "<section id=\"\(section.anchor)\">"))
            let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
            #expect(html[start.upperBound..<end.lowerBound].contains(block), "\(table.title) outside \(section)")
        }
        report.baseline = nil
        #expect(!report.html().contains("<h3>Against "))
    }
}
