import ArgumentParser
import Charts
import Foundation
import OutputFiles
import Recording
import Training

extension NormScope {
    /// `normscope schema`: the trace format's one declaration, as the JSON the Python package reads or as the
    /// tables of TRACE_FORMAT.md.
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the trace format's declaration: tables, fields, settings, attributes and presets.",
            discussion: """
                Every table of a trace with its fields (type, unit, valid values, what older traces read), every \
                run setting (type, values, default), every attribute and every preset's definition, from the one \
                declaration the recorder, the readers and the checks use. The Python package reads the same as \
                analysis/normscope/schema.json; regenerate it after changing the declaration with \
                `normscope schema --out analysis/normscope/schema.json --force`. With --markdown, the tables of \
                analysis/TRACE_FORMAT.md instead, each between its markers.
                """
        )

        @Flag(help: "Print TRACE_FORMAT.md's generated tables instead of JSON.")
        var markdown = false

        @Option(
            name: [.short, .long],
            help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
        var out: String?

        @Flag(help: "Replace the --out file if it exists.")
        var force = false

        func run() throws {
            let output = try out.map { try OutputFile($0, option: "--out", force: force, example: "schema.json") }
            let text = markdown ? TraceFormat.markdown : try Self.json()
            guard let output else {
                print(text, terminator: "")
                return
            }
            try output.write(text: text)
        }

        /// The JSON document, with the defaults of a run configuration and the presets' chart colours.
        static func json() throws -> String {
            let colours = ChartPalette.presetColors.map { (preset: $0.key, colour: $0.value) }
            return TraceFormat.exportedSchema(
                defaults: try RunConfiguration().settingAttributes(), colours: colours)
        }
    }
}
