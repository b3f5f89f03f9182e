import Foundation
import OutputFiles

/// Queues scripts with `sbatch --parsable`, whose output (the job id, or `id;cluster` on a federation) is meant to
/// be read by programs, unlike the `Submitted batch job N` sentence.
struct SlurmSubmission {
    /// The `sbatch` found on `PATH`.
    let sbatch: String

    /// Finds `sbatch` on `PATH`, before anything is written: a machine without Slurm gets one line and no files.
    init() throws {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        guard
            let found = directories.map({ ($0 as NSString).appendingPathComponent("sbatch") }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw OptionValueError("--submit: sbatch is not on PATH (Slurm's client commands are needed to submit)")
        }
        sbatch = found
    }

    /// Submits `script` and returns its job id.
    func submit(_ script: String, dependency: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = ["--parsable"] + (dependency.map { ["--dependency=\($0)"] } ?? []) + [script]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            let reason = (error as NSError).underlyingPOSIXCode.map { String(cString: strerror($0)) } ?? "\(error)"
            throw OptionValueError("\(sbatch): cannot run it (\(reason))")
        }
        // sbatch prints a line or two; reading stdout to its end before stderr cannot fill the other pipe.
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let firstLine = { (text: String) in
            text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        guard process.terminationStatus == 0 else {
            let reason = firstLine(complaint).isEmpty ? firstLine(printed) : firstLine(complaint)
            throw OptionValueError("sbatch \(script): exit \(process.terminationStatus): \(reason)")
        }
        let id = firstLine(printed).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw OptionValueError("sbatch \(script): expected a job id, got '\(firstLine(printed))'")
        }
        return id
    }
}
