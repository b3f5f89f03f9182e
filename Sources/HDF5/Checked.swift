import CHDF5

/// Names the file and object an HDF5 call is about, so that its error can say so, and carries the file's
/// `AccessGuard` to the calls that ask it first (`admit`).
struct CallContext {
    var filePath: String?
    var objectPath: String?
    var accessGuard: (any AccessGuard)?

    init(filePath: String? = nil, objectPath: String? = nil, accessGuard: (any AccessGuard)? = nil) {
        self.filePath = filePath
        self.objectPath = objectPath
        self.accessGuard = accessGuard
    }
}

/// The one funnel every HDF5 C call goes through: takes the library lock, runs the call, and turns a negative
/// return value (`hid_t`, `herr_t`, `htri_t`, `ssize_t`) into an `HDF5Error` carrying HDF5's walked error stack.
///
///     let id = try checked("H5Dopen2", context) { H5Dopen2(parent, name, chdf5_p_default()) }
///
/// - Parameters:
///   - operation: the C function's name, reported in the error.
///   - context: the file and object path the call is about.
///   - code: the error code to use; when nil it is inferred from the stack (missing file, not HDF5, missing object…).
@discardableResult
func checked<Result: BinaryInteger>(
    _ operation: String, _ context: CallContext, code: HDF5Error.Code? = nil,
    function: String = #function, fileID: String = #fileID, line: Int = #line,
    _ body: () -> Result
) throws(HDF5Error) -> Result {
    _ = HDF5Library.initialized
    let (result, stack) = HDF5Library.lock.withLock { () -> (Result, [HDF5Error.Frame]) in
        chdf5_silence_this_thread()
        let result = body()
        guard result < 0 else { return (result, []) }
        // Read the stack before anything else can push onto it, then leave it empty for the next call.
        let stack = ErrorStack.capture()
        _ = H5Eclear2(chdf5_e_default())
        return (result, stack)
    }
    guard result < 0 else { return result }
    throw HDF5Error(
        code: code ?? ErrorStack.classify(stack),
        operation: operation, filePath: context.filePath, objectPath: context.objectPath,
        message: ErrorStack.message(stack, fallback: "\(operation) failed"), stack: stack,
        function: function, fileID: fileID, line: line)
}

/// Calls that cannot fail in a way worth reporting (closing a dataspace we made, say), still under the lock.
func unchecked<Result>(_ body: () -> Result) -> Result {
    _ = HDF5Library.initialized
    return HDF5Library.lock.withLock {
        chdf5_silence_this_thread()
        return body()
    }
}

/// Reading HDF5's error stack into Swift values, h5py-style.
enum ErrorStack {
    /// Walks the current thread's default error stack from the API call inwards.
    static func capture() -> [HDF5Error.Frame] {
        var frames: [HDF5Error.Frame] = []
        withUnsafeMutablePointer(to: &frames) { pointer in
            _ = H5Ewalk2(
                chdf5_e_default(), H5E_WALK_DOWNWARD,
                { _, entry, clientData in
                    guard let entry, let clientData else { return 0 }
                    let frames = clientData.assumingMemoryBound(to: [HDF5Error.Frame].self)
                    let error = entry.pointee
                    frames.pointee.append(
                        HDF5Error.Frame(
                            major: ErrorStack.text(of: error.maj_num), minor: ErrorStack.text(of: error.min_num),
                            description: error.desc.map { String(cString: $0) } ?? "",
                            function: error.func_name.map { String(cString: $0) } ?? "",
                            line: Int(error.line)))
                    return 0
                }, pointer)
        }
        return frames
    }

    /// The text of a major or minor error class.
    static func text(of messageID: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var type = H5E_MAJOR
        let length = H5Eget_msg(messageID, &type, &buffer, buffer.count)
        guard length > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// h5py's message: the outermost description, and in parentheses the innermost minor class, which is the reason.
    static func message(_ stack: [HDF5Error.Frame], fallback: String) -> String {
        guard let top = stack.first else { return fallback }
        let bottom = stack.last!
        let reason = bottom.description.isEmpty ? bottom.minor : bottom.description
        return stack.count == 1 || reason == top.description
            ? top.description : "\(top.description) (\(reason))"
    }

    /// Infers the error code from the stack's texts. Only the few cases callers branch on are distinguished.
    static func classify(_ stack: [HDF5Error.Frame]) -> HDF5Error.Code {
        let texts = stack.map { "\($0.description) \($0.minor)".lowercased() }
        func any(_ needle: String) -> Bool { texts.contains { $0.contains(needle) } }
        if any("errno = 2,") || any("no such file") { return .fileNotFound }
        if any("file signature not found") || any("truncated file") || any("bad superblock") { return .notHDF5 }
        if any("doesn't exist") || any("object not found") || any("can't locate attribute") { return .objectNotFound }
        if any("file exists") || any("already exists") { return .alreadyExists }
        return .library
    }
}
