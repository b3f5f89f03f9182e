import DamagedFiles
import HDF5
import Recording

/// Opens trace files for reading, including ones whose recorder is still running or was killed — only as files the
/// damage probe has vetted (`ProbedFile`), so that no reader here hands libhdf5 an object that crashes it.
enum TraceFile {
    /// Vets `path` with `probe` (a child process walks it first, or the verdict `probe` holds for it is reused) and
    /// opens it under the verdict; see `open(_:)`.
    static func open(_ path: String, probe: DamageProbe) throws(HDF5Error) -> (
        file: File, live: Bool, probed: ProbedFile
    ) {
        let probed = try probe.vet(path)
        let (file, live) = try open(probed)
        return (file, live, probed)
    }

    /// Opens the file read-only; a live (SWMR) trace that is still being written — or whose writer died and left
    /// its "open for write" mark — is opened as a SWMR reader instead, which HDF5 allows; a trace held by a running
    /// non-live recorder (which locks its file) is an error saying so.
    ///
    /// - Returns: the file and whether it was opened as a SWMR reader (its runs may still grow).
    static func open(_ probed: ProbedFile) throws(HDF5Error) -> (file: File, live: Bool) {
        let path = probed.path
        do {
            return (try probed.open(), false)
        } catch {
            let message = error.message
            if message.contains("already open for write") {
                if let file = try? probed.open(mode: .swmrRead) { return (file, true) }
                throw HDF5Error(
                    code: error.code, operation: error.operation, filePath: path,
                    message: "is marked as open for writing (a recorder still running or killed mid-run); "
                        + "if no recorder is running, clear the mark with `h5clear -s \(path)` and try again")
            }
            if message.contains("unable to lock file") {
                throw HDF5Error(
                    code: error.code, operation: error.operation, filePath: path,
                    message: "is being written by another process (a `normscope record` still running?); analyze it "
                        + "when the recording ends, or record with --live to read a trace while it is written")
            }
            if message.contains("truncated file") {
                // HDF5 says "truncated file: eof = <bytes on disk>, …, stored_eof = <bytes the header records>".
                func number(after key: String) -> String? {
                    guard let range = message.range(of: key + " = ") else { return nil }
                    return String(message[range.upperBound...].prefix { $0.isNumber })
                }
                let sizes = number(after: "eof").flatMap { have in
                    number(after: "stored_eof").map { "\(have) of the \($0) bytes its HDF5 header records" }
                }
                throw HDF5Error(
                    code: error.code, operation: error.operation, filePath: path,
                    message: "is truncated (\(sizes ?? message)): an incomplete copy or download? copy it again")
            }
            throw error
        }
    }
}
