import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `--json PATH` and `--force` of the `bench` commands: where the figures go as JSON, and the rules that keep a
/// user's files: the file is written whole (beside its destination, renamed into place), through a symbolic link
/// to the file it names, and never over a folder, anything but a regular file, the command's own inputs or its own
/// executable, or an existing file without `--force`. Each refusal is one line, from the command's `validate()`
/// (which alone knows its inputs, so the group has no `validate()` of its own: an input must not be reported as "add
/// --force"), and again before writing, since a file may have appeared while the figures were measured.
struct JSONOutput: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write the figures as JSON to this file ('-' for standard output, the table then going to "
                + "standard error).", valueName: "path"))
    var json: String?

    @Flag(help: "Replace the --json file if it exists.")
    var force = false

    /// Refuses a `--json` path the figures must not be written to; `inputs` are the files the command reads.
    func check(inputs: [String]) throws {
        guard let json, json != "-" else { return }
        let directory = URL(fileURLWithPath: json).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OptionValueError("--json \(json): the directory \(directory) does not exist; create it first.")
        }
        // An input the command has yet to write (bench analyze's --trace) is compared by its name.
        let resolved = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        if let input = inputs.first(where: { resolved($0) == resolved(json) }) {
            throw OptionValueError("--json \(json) is its input (\(input)); write the figures to another file.")
        }
        var link = stat()
        guard lstat(json, &link) == 0 else { return }  // a new file
        var target = stat()
        guard stat(json, &target) == 0 else {
            throw OptionValueError("--json \(json): a symbolic link to a missing file; name a file to write.")
        }
        switch target.st_mode & S_IFMT {
        case S_IFDIR:
            throw OptionValueError("--json \(json) is a folder; name a file in it, e.g. \(directoryName(json))/figures.json.")
        case S_IFREG: break
        default: throw OptionValueError("--json \(json) is not a regular file; name a file to write.")
        }
        for (what, path) in [("this normscope executable", "/proc/self/exe")] + inputs.map({ ("its input", $0) }) {
            var other = stat()
            if stat(path, &other) == 0, other.st_dev == target.st_dev, other.st_ino == target.st_ino {
                throw OptionValueError("--json \(json) is \(what) (\(path)); write the figures to another file.")
            }
        }
        guard force else { throw OptionValueError("--json \(json) exists; add --force to replace it.") }
    }

    /// Prints the table and writes the JSON (`-`: to standard output, the table then going to standard error).
    func publish(table: String, json data: Data, inputs: [String] = []) throws {
        if json == "-" {
            FileHandle.standardError.write(Data((table + "\n").utf8))
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        print(table)
        guard let json else { return }
        try check(inputs: inputs)
        // Through a symbolic link the file it names is replaced, not the link; `.atomic` writes a temporary file
        // beside it and renames it into place, so a failure leaves the old file or none.
        let destination = URL(fileURLWithPath: json).resolvingSymlinksInPath()
        do {
            try data.write(to: destination, options: .atomic)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying.map { String(cString: strerror(Int32($0.code))) } ?? "\(error)"
            throw OptionValueError("--json \(json): could not be written: \(reason); the table above has the figures.")
        }
    }

    /// `path` without trailing slashes, to name a file inside it.
    private func directoryName(_ path: String) -> String {
        var name = Substring(path)
        while name.count > 1, name.hasSuffix("/") { name = name.dropLast() }
        return String(name)
    }
}
