import Foundation
import TestSupport
import Testing
import Training

/// A sweep file a user got wrong: each mistake is one line naming the place (file, line and column for the text;
/// the key for a value) and what belongs there, never Foundation's or the decoder's words.
@Suite("Sweep file errors")
struct SweepFileErrorTests {
    private func error(_ json: String) -> ConfigurationError? {
        #expect(throws: ConfigurationError.self) { _ = try SweepConfiguration.parse(Data(json.utf8), file: "s.json") }
    }

    @Test(
        "text that is not JSON names the line and column of the first problem and what was expected there",
        arguments: [
            (
                "{\n  \"steps\": 10,\n  \"lr\" 0.1\n}\n",
                "s.json:3:8: not valid JSON: expected ':' after the key \"lr\", got '0'"
            ),
            (
                "{\"steps\": 10\n \"lr\": 0.1}",
                "s.json:2:2: not valid JSON: expected ',' or '}' after the value of \"steps\", got '\"'"
            ),
            (
                "{\"optimizer\": \"adam\",\n \"clip\": tru}",
                "s.json:2:10: not valid JSON: expected a value (a number, a string in double quotes, true, false, "
                    + "null, [ or {), got 'tru'"
            ),
            ("{steps: 3}", "s.json:1:2: not valid JSON: expected a key in double quotes, got 'steps'"),
            ("{\"hidden\": [64, 64}", "s.json:1:19: not valid JSON: expected ',' or ']' after a list element, got '}'"),
            (
                "{\"dataset\": \"é.csv, \"steps\": 3}",
                // Columns count characters: é is two bytes and one column.
                "s.json:1:22: not valid JSON: expected ',' or '}' after the value of \"dataset\", got 'steps'"
            ),
            (
                "{\"dataset\": \"a.csv\n\"}",
                "s.json:1:13: not valid JSON: the string opened here is not closed on its line"
            ),
            (
                "{\"lr\": 1e400}",
                "s.json:1:8: not valid JSON: the number 1e400 is out of range (a JSON number here must be within "
                    + "±1.8e308)"
            ),
            ("{\"lr\": 1.}", "s.json:1:10: not valid JSON: expected a digit after '.', got '}'"),
            ("{\"steps\": 3} {", "s.json:1:14: not valid JSON: text after the JSON value: '{'"),
            ("", "s.json:1:1: not valid JSON: expected a value, got the end of the file"),
            (
                "{\"grid\": {\"lr\": [0.1",
                "s.json:1:21: not valid JSON: expected ',' or ']' after a list element, got the end of the file"
            ),
        ])
    func syntax(text: String, line: String) {
        #expect(error(text)?.description == line)
    }

    @Test("nesting a million deep is refused at the depth limit, not by a stack overflow")
    func deepNesting() {
        let problem = error(String(repeating: "[", count: 1_000_000))
        #expect(
            problem?.description.hasPrefix("s.json:1:513: not valid JSON: lists and objects nested more than 512")
                == true)
    }

    @Test(
        "a value its key does not take names the key and what it takes, the range for a whole number",
        arguments: [
            (#"{"steps": 1e20}"#, "s.json: steps: 1e+20 is out of range; expected a whole number 1…1000000000000"),
            (
                #"{"steps": 2000000000000}"#,
                "s.json: steps: 2000000000000 is out of range; expected a whole number 1…1000000000000"
            ),
            (#"{"steps": 1.5}"#, "s.json: steps: 1.5 is not a whole number; expected a whole number 1…1000000000000"),
            (#"{"steps": "ten"}"#, "s.json: steps: expected a whole number 1…1000000000000, got \"ten\""),
            (#"{"batch": -1}"#, "s.json: batch: -1 is out of range; expected a whole number ≥ 1"),
            (#"{"seed": -1}"#, "s.json: seed: -1 is out of range; expected a whole number 0…9007199254740992"),
            (#"{"context": 1}"#, "s.json: context: 1 is out of range; expected a whole number ≥ 2"),
            (#"{"hidden": [128, 1e20]}"#, "s.json: hidden: expected a list of whole numbers ≥ 1, got [128, 1e+20]"),
            (#"{"header": "yes"}"#, "s.json: header: expected true or false, got \"yes\""),
            (
                #"{"label_column": 2.5}"#,
                "s.json: label_column: 2.5 is not a whole number; expected a whole number (a column: 1 is the "
                    + "first, -1 the last)"
            ),
            (
                #"{"grid": {"steps": [10, 1e20]}}"#,
                "s.json: grid.steps: 1e+20 is out of range; expected a whole number 1…1000000000000"
            ),
            (
                #"{"seeds": 1000000000}"#,
                "s.json: seeds: expected a count 1…10000 or a non-empty list of seeds 0…9007199254740992, got "
                    + "1000000000"
            ),
        ])
    func outOfRange(json: String, line: String) {
        #expect(error(json)?.description == line)
    }

    @Test("--labels goes only with an IDX images dataset: with the digits or a char-lm text it is refused")
    func labelsWithoutIDX() {
        let digits = error(#"{"labels": "small.csv"}"#)
        #expect(digits?.key == "labels")
        #expect(
            digits?.message
                == "--labels names the labels of an IDX images file given as --dataset, and the dataset is digits "
                + "(bundled, with its own labels): add --dataset IMAGES or leave out --labels")
        let text = error(#"{"model": "char-lm", "dataset": "book.txt", "labels": "l.idx"}"#)
        #expect(text?.message == "model char-lm trains on a text, which has no labels file: leave out --labels")
        #expect(throws: Never.self) {
            _ = try SweepConfiguration.parse(Data(#"{"dataset": "i.idx", "labels": "l.idx"}"#.utf8), file: "s.json")
        }
    }

    @Test("a sweep file that is a folder or missing is one line naming it")
    func unreadableFile() {
        let directory = TemporaryDirectory()
        let folder = #expect(throws: ConfigurationError.self) {
            try SweepConfiguration.contents(ofFile: directory.path)
        }
        #expect(folder?.description == "\(directory.path): is a folder, not a file")
        let missing = #expect(throws: ConfigurationError.self) {
            try SweepConfiguration.contents(ofFile: directory.file("none.json"))
        }
        #expect(missing?.description == "\(directory.file("none.json")): no such file")
    }
}
