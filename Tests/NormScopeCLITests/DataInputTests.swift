import Foundation
import TestSupport
import Testing

/// `normscope record` on a user's data files: the label column and header flags, scikit-learn's CSV layout, and
/// data that cannot train (a continuous label, a text shorter than a window) refused in one line with exit 1.
@Suite("record: data input")
struct DataInputTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// Twelve examples: the species in column 1, two measurements after it.
    static let speciesFirst = (0..<12).map { i in
        "\(i % 2 == 0 ? "setosa" : "versicolor"),\(5 + Double(i) / 10),\(3 + Double(i % 5) / 10)\n"
    }.joined()

    /// Twelve examples of three features, labels 0, 1, 2 in the last column.
    static let rows = (0..<12).map { i in "\(Double(i) / 2),\(i % 4),\(Double(i * i) / 10),\(i % 3)\n" }.joined()

    /// Writes `text` as `name` in `directory` and runs `normscope record arguments… --out <directory>/out.h5`.
    private func record(
        _ directory: TemporaryDirectory, _ name: String, _ text: String, _ arguments: [String]
    ) throws -> ChildProcess.Output {
        let path = try #require(executable)
        try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        return try ChildProcess.run(
            path,
            arguments: ["record", "--dataset", directory.file(name), "--steps", "2", "--quiet"] + arguments + [
                "--out", directory.file("out.h5"),
            ])
    }

    @Test(
        "--label-column and the label_column key count from 1, negative from the end",
        arguments: [["--label-column", "1"], ["--label-column", "-3"], ["--config", "label_column.json"]])
    func labelColumn(arguments: [String]) throws {
        let directory = TemporaryDirectory()
        try #"{"label_column": 1}"#.write(
            toFile: directory.file("label_column.json"), atomically: true, encoding: .utf8)
        let resolved = arguments.map { $0.hasSuffix(".json") ? directory.file($0) : $0 }
        let output = try record(directory, "species.csv", Self.speciesFirst, resolved)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(!output.standardError.contains("warning"), "\(output.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test(
        "--label-column 0 or outside the columns is one line naming the option (and the file and its columns)",
        arguments: [
            ("0", ["--label-column 0: columns count from 1 (1 is the first column) and -1 is the last"]),
            ("4", ["species.csv: --label-column 4 is outside the file's 3 columns", "choose 1 to 3"]),
            ("-4", ["species.csv: --label-column -4 is outside the file's 3 columns"]),
        ])
    func labelColumnRefused(column: String, needles: [String]) throws {
        let directory = TemporaryDirectory()
        let output = try record(directory, "species.csv", Self.speciesFirst, ["--label-column", column])
        expectOneLineError(output, needles)
        #expect(output.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test("scikit-learn's first line of counts and class names is skipped and the rows are read")
    func scikitLearnCountsLine() throws {
        let directory = TemporaryDirectory()
        let output = try record(directory, "wine_data.csv", "12,3,class_0,class_1,class_2\n" + Self.rows, [])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test("--header skips a first line detection keeps; --no-header keeps one it would skip")
    func headerFlags() throws {
        let directory = TemporaryDirectory()
        let ragged = "9,9\n" + Self.rows
        let detected = try record(directory, "ragged.csv", ragged, [])
        // Line 1 is the odd one: every row after it has 4 columns.
        expectOneLineError(detected, ["ragged.csv:1: expected 4 columns, got 2; if line 1 is a header, pass --header"])
        let skipped = try record(directory, "ragged.csv", ragged, ["--header"])
        #expect(skipped.status == 0, "\(skipped.standardError)")

        let named = "width,height,depth,class\n" + Self.rows
        let kept = try record(directory, "named.csv", named, ["--no-header", "--force"])
        expectOneLineError(kept, ["named.csv:1: column 1: expected a finite number, got \"width\""])
        #expect(kept.status == 1)
    }

    @Test(
        "a label column of measurements is one line naming file, column and distinct values, suggesting --label-column")
    func continuousLabel() throws {
        let directory = TemporaryDirectory()
        let text = (0..<121).map { "\($0 % 7),\($0 % 5),\(2 + Double($0) * 0.01)\n" }.joined()
        let output = try record(directory, "measured.csv", text, [])
        expectOneLineError(
            output,
            ["measured.csv:2: column 3: the labels look continuous, 121 distinct numbers", "--label-column (1 to 3"])
        #expect(output.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test("an integer column of measurements (wine's proline) is refused in one line, not trained as 121 classes")
    func integerMeasurementLabel() throws {
        let directory = TemporaryDirectory()
        let text =
            "alcohol,malic_acid,proline\n"
            + (0..<178).map { "\(13 + Double($0 % 9) / 10),\(Double($0 % 5) / 2),\(278 + ($0 % 121) * 11)\n" }.joined()
        let output = try record(directory, "wine.csv", text, [])
        expectOneLineError(
            output,
            [
                "wine.csv: column 3 (\"proline\"): 121 distinct labels among 178 rows (fewer than two rows per class)",
                "choose the label column with --label-column (1 to 3", "regression targets are not supported",
            ])
        #expect(output.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test("a semicolon-separated file fails with the hint that NormScope reads comma-separated CSV")
    func semicolonSeparated() throws {
        let directory = TemporaryDirectory()
        let text = "width;height;class\n" + (0..<12).map { "\($0);\($0 % 4);\($0 % 3)\n" }.joined()
        let output = try record(directory, "excel.csv", text, [])
        expectOneLineError(
            output, ["excel.csv:", "the file looks semicolon-separated, and NormScope reads comma-separated CSV"])
        #expect(output.status == 1)
    }

    @Test("--labels without an IDX images dataset is refused, not ignored: with the digits, and with a CSV")
    func labelsWithoutIDX() throws {
        let directory = TemporaryDirectory()
        try Self.rows.write(toFile: directory.file("small.csv"), atomically: true, encoding: .utf8)
        let path = try #require(executable)
        let digits = try ChildProcess.run(
            path,
            arguments: [
                "record", "--labels", directory.file("small.csv"), "--steps", "2", "--out", directory.file("d.h5"),
            ])
        expectOneLineError(
            digits,
            ["labels: --labels names the labels of an IDX images file", "add --dataset IMAGES or leave out --labels"])
        #expect(digits.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.file("d.h5")))
        let csv = try record(directory, "rows.csv", Self.rows, ["--labels", directory.file("small.csv")])
        expectOneLineError(csv, ["rows.csv: not an IDX file", "only an IDX images dataset takes --labels"])
    }

    @Test("a class of one example and a stray word among numeric labels are warnings on stderr; the run records")
    func labelWarnings() throws {
        let directory = TemporaryDirectory()
        let output = try record(directory, "stray.csv", Self.rows + "1,2,3,abc\n", [])
        #expect(output.status == 0, "\(output.standardError)")
        let lines = output.standardError.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.hasSuffix(
                    "stray.csv:13: warning: column 4: label \"abc\" is not a number, unlike "
                        + "the other 12 labels; each distinct label becomes a class of its own")
            }, "\(lines)")
        #expect(
            lines.contains {
                $0.hasSuffix(
                    "stray.csv:13: warning: column 4: class \"abc\" has only one example; such "
                        + "a class cannot be both trained on and validated")
            }, "\(lines)")
        #expect(FileManager.default.fileExists(atPath: directory.file("out.h5")))
    }

    @Test("a text shorter than a char-lm window is one line and exit 1, never a trap; --context makes it fit")
    func shortText() throws {
        let directory = TemporaryDirectory()
        let text = "The quick brown fox jumps over the lazy dog!!\n"
        let output = try record(directory, "short.txt", text, ["--model", "char-lm"])
        expectOneLineError(
            output,
            [
                "short.txt: 46 bytes of text are too short for --context 64", "a window needs 65 bytes (context + 1)",
                "lower --context to at most 8",
            ])
        #expect(output.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.h5")))
        let fitted = try record(directory, "short.txt", text, ["--model", "char-lm", "--context", "8"])
        #expect(fitted.status == 0, "\(fitted.standardError)")
    }
}
