import HDF5
import Recording

/// Opens trace files for reading, including ones whose recorder is still running or was killed.
enum TraceFile {
    /// Opens `path` read-only; a live (SWMR) trace that is still being written — or whose writer died and left its
    /// "open for write" mark — is opened as a SWMR reader instead, which HDF5 allows; a trace held by a running
    /// non-live recorder (which locks its file) is an error saying so.
    ///
    /// - Returns: the file and whether it was opened as a SWMR reader (its runs may still grow).
    static func open(_ path: String) throws(HDF5Error) -> (file: File, live: Bool) {
        do {
            return (try File.open(path), false)
        } catch {
            let message = error.message
            if message.contains("already open for write") {
                if let file = try? File.open(path, mode: .swmrRead) { return (file, true) }
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
