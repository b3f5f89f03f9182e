import Foundation
import TestSupport
import Testing

/// Options that take one word of a fixed set are parsed as enums: ArgumentParser refuses another word before the
/// command runs, in one line naming the option and listing the words, and the help lists them.
@Suite("Options that take a word")
struct WordOptionTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test(
        "a word that is not one of the option's is one line naming the option and the valid words, exit 1",
        arguments: [
            (["record", "--model", "cnn"], ["'cnn'", "--model", "'mlp', 'transformer' or 'char-lm'"]),
            (["record", "--presets", "layernorm,batchnorm"], ["--presets", "unknown preset 'batchnorm'", "rmsnorm"]),
            (["analyze", "--format", "xml", "t.h5"], ["'xml'", "--format", "'table', 'markdown', 'json' or 'csv'"]),
            (["bench", "train", "--model", "gpt"], ["'gpt'", "--model", "'mlp', 'char-lm' or 'both'"]),
            // Any value the parser refuses, not only words: one line too, without the usage text.
            (["record", "--steps", "ten"], ["'ten'", "--steps"]),
        ])
    func refused(arguments: [String], needles: [String]) throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        // record would write its default trace in the current folder: give it one to leave empty.
        let out = arguments[0] == "record" ? ["--out", directory.file("never.h5")] : []
        let output = try ChildProcess.run(path, arguments: arguments + out)
        expectOneLineError(output, ["Error: "] + needles)
        #expect(output.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("the help lists the words of each option")
    func help() throws {
        let path = try #require(executable)
        let record = try ChildProcess.run(path, arguments: ["record", "--help"]).standardOutput
        let flat = record.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("(values: mlp, transformer, char-lm)"), "\(record)")
        #expect(flat.contains("presets: layernorm, layernorm-simple, detachnorm"), "\(record)")
        let analyze = try ChildProcess.run(path, arguments: ["analyze", "--help"]).standardOutput
        #expect(
            analyze.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                .contains("(values: table, markdown, json, csv; default: table)"), "\(analyze)")
    }
}
