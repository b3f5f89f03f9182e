import Foundation

extension OutputFile {
    /// Checks the file `name` in `folder` as an output, for a command that writes files of fixed names into a
    /// folder its user names (`export --out DIR`, `slurm --out DIR`).
    ///
    /// The contract is the same as for any output; only the refusals differ, since the user named the folder and
    /// cannot rename the file: they name both, and say to move what is in the way or to choose another folder
    /// (`--out runs: runs/submit.sh is a folder where a file of that name is to be written; move it, or choose
    /// another folder.`). An existing file is refused as usual, with `add --force to replace it`.
    public static func file(
        named name: String, in folder: String, option: String, force: Bool, inputs: [CommandInput] = []
    ) throws(OutputError) -> OutputFile {
        let path = (folder as NSString).appendingPathComponent(name)
        do {
            return try OutputFile(path, option: option, force: force, inputs: inputs, example: name)
        } catch {
            let start = "\(option) \(folder): \(path)"
            let end = "where a file of that name is to be written; move it, or choose another folder."
            switch error.reason {
            case .isFolder: throw OutputError(.isFolder, "\(start) is a folder \(end)")
            case .notRegularFile:
                throw OutputError(.notRegularFile, "\(start) is not a regular file (a device, fifo or socket) \(end)")
            case .danglingLink: throw OutputError(.danglingLink, "\(start) is a symbolic link to a missing file \(end)")
            case .isInput:
                // Which input: the one that alone refuses the path.
                let input = inputs.first { input in
                    (try? OutputFile(path, option: option, force: true, inputs: [input])) == nil
                }
                let what = input.map { "\($0.role) (\($0.path))" } ?? "this normscope executable"
                throw OutputError(.isInput, "\(start) is \(what); choose another folder.")
            default: throw error
            }
        }
    }
}
