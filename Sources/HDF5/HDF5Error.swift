/// An error from the HDF5 layer: which C call failed, on which file and object, and why (HDF5's own error stack).
///
/// Modelled on swift-nio's `FileSystemError`: a struct with an extensible `Code`, not a case list, so that new failure
/// kinds never break callers, and every error keeps HDF5's reason instead of replacing it with ours.
public struct HDF5Error: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is, for callers that react differently to, say, a missing file.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The file does not exist.
        public static let fileNotFound = Code(name: "file not found")
        /// The file or object to create exists already.
        public static let alreadyExists = Code(name: "already exists")
        /// The file exists but is not an HDF5 file (no HDF5 signature), or it is damaged.
        public static let notHDF5 = Code(name: "not an HDF5 file")
        /// A group, dataset or attribute that was asked for does not exist.
        public static let objectNotFound = Code(name: "object not found")
        /// The stored type cannot be read as the requested Swift type without loss.
        public static let typeMismatch = Code(name: "type mismatch")
        /// A shape, row range or value count does not fit the dataset.
        public static let badShape = Code(name: "bad shape")
        /// A stored value could not be decoded (for example an attribute that should hold JSON).
        public static let badValue = Code(name: "bad value")
        /// The object is damaged in a way that crashes or hangs HDF5 (refused by the file's `AccessGuard`: found by
        /// a probe process) or that would make a read allocate far more than the file could hold; it was not read.
        public static let damaged = Code(name: "damaged")
        /// The storage under the file failed: a full disk, a file-size limit, an I/O error. The message says which.
        public static let storage = Code(name: "storage failure")
        /// A long operation (`File.compact`) was stopped on request, a signal say, before it finished; what it
        /// would have changed is unchanged.
        public static let stopped = Code(name: "stopped")
        /// Any other failure reported by the HDF5 library (I/O, a full disk, a corrupted structure…).
        public static let library = Code(name: "HDF5 library error")
    }

    /// One frame of HDF5's error stack, innermost last.
    public struct Frame: Sendable, Equatable {
        /// The major error class, for example "File accessibility".
        public var major: String
        /// The minor error class, for example "Unable to open file".
        public var minor: String
        /// The frame's own description, for example "file signature not found".
        public var description: String
        /// The C function inside HDF5 that pushed the frame.
        public var function: String
        /// The source line inside HDF5.
        public var line: Int
    }

    /// Where in the calling Swift code the failing operation was issued.
    public struct SourceLocation: Sendable {
        public var function: String
        public var file: String
        public var line: Int
    }

    public var code: Code
    /// The C function (or the layer's own operation) that failed, for example `"H5Dwrite"`.
    public var operation: String
    /// The file the operation was about, when known.
    public var filePath: String?
    /// The object path inside the file (`/runs/r0/loss`), when known.
    public var objectPath: String?
    /// h5py's style: "top description (bottom description)" from the error stack, or our own sentence.
    public var message: String
    /// HDF5's error stack at the moment of failure, outermost first.
    public var stack: [Frame]
    public var location: SourceLocation

    public init(
        code: Code, operation: String, filePath: String? = nil, objectPath: String? = nil, message: String,
        stack: [Frame] = [], function: String = #function, fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.operation = operation
        self.filePath = filePath
        self.objectPath = objectPath
        self.message = message
        self.stack = stack
        self.location = SourceLocation(function: function, file: fileID, line: line)
    }

    /// One line: `file.h5: /runs/r0/loss: unable to open dataset (object 'loss' doesn't exist) [H5Dopen2]`.
    public var description: String {
        var where_ = ""
        if let filePath { where_ += filePath + ": " }
        if let objectPath { where_ += objectPath + ": " }
        return "\(where_)\(message) [\(operation)]"
    }

    /// The operating system's error number behind the failure, when HDF5 reported one (`errno = 28` in its
    /// message of a failed read or write): the cause a user can act on, where HDF5's own words are about itself.
    public var systemErrorNumber: Int32? {
        for text in [message] + stack.map(\.description) {
            guard let range = text.range(of: "errno = ") else { continue }
            let digits = text[range.upperBound...].prefix(while: \.isNumber)
            if let number = Int32(digits) { return number }
        }
        return nil
    }

    /// The one-line description followed by HDF5's stack as a tree, for `--verbose` output and bug reports.
    public func detailedDescription() -> String {
        var lines = ["HDF5Error: \(code): \(description)"]
        for (index, frame) in stack.enumerated() {
            let branch = index == stack.count - 1 ? "└─" : "├─"
            lines.append(
                "\(branch) \(frame.function) line \(frame.line): \(frame.description) — \(frame.major): \(frame.minor)")
        }
        lines.append("   raised at \(location.file):\(location.line) in \(location.function)")
        return lines.joined(separator: "\n")
    }
}
