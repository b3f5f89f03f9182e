import ArgumentParser
import Foundation
import OutputFiles

/// `--json PATH` and `--force` of the `bench` commands: where the figures go as JSON, under the output contract of
/// every writing command (`OutputFile`): written whole (beside its destination, renamed into place), through a
/// symbolic link to the file it names, and never over a folder, anything but a regular file, the command's own
/// inputs or its own executable, or an existing file without `--force`. Each refusal is one line, from the
/// command's `validate()` (which alone knows its inputs, so the group has no `validate()` of its own: an input must
/// not be reported as "add --force"), and again before writing, since a file may have appeared while the figures
/// were measured.
struct JSONOutput: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write the figures as JSON to this file ('-' for standard output, the table then going to "
                + "standard error).", valueName: "path"))
    var json: String?

    @Flag(help: "Replace the --json file if it exists.")
    var force = false

    /// The `--json` file, checked; nil for none or standard output. `inputs` are the files the command reads.
    @discardableResult
    func check(inputs: [CommandInput]) throws -> OutputFile? {
        guard let json, json != "-" else { return nil }
        return try OutputFile(json, option: "--json", force: force, inputs: inputs, example: "figures.json")
    }

    /// Prints the table and writes the JSON (`-`: to standard output, the table then going to standard error).
    func publish(table: String, json data: Data, inputs: [CommandInput] = []) throws {
        if json == "-" {
            FileHandle.standardError.write(Data((table + "\n").utf8))
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        print(table)
        guard let output = try check(inputs: inputs) else { return }
        do {
            try output.write(data)
        } catch {
            // The minutes of measuring are not lost with the file.
            throw OptionValueError("\(error.description) The table above has the figures.")
        }
    }
}
