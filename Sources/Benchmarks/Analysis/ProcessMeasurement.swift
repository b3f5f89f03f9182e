import Foundation
import Tensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One child process, timed and measured on its own: wall time, exit status and the child's peak resident memory.
///
/// Concretely, `run` does
///
/// ```
/// t0 = now
/// posix_spawn(/bin/sh -c '"$@" 3>&- & echo $! >&3' sh PROGRAM ARGS…)     stdout, stderr → files; fd 3 → pid file
/// wait4(sh);  pid = read(pid file)                                     PROGRAM is now our child (subreaper)
/// wait4(pid, &status, 0, &usage);  t1 = now
/// wall = t1 − t0        peak RSS = usage.ru_maxrss (KiB on Linux)
/// ```
///
/// `wait4` reports the resources of that one child, unlike `getrusage(RUSAGE_CHILDREN)`, which folds in every child
/// ever waited for, and unlike the benchmark's own RSS: so two tools run side by side each get their own figure.
///
/// Why the small shell in between: on Linux a process's `ru_maxrss` is raised, at each `exec`, to the peak RSS of
/// the address space it leaves. A child made by `posix_spawn` (`vfork`) leaves its *parent's* address space, so
/// `/bin/true` spawned from a process that once held 500 MB reports a 500 MB peak; a `fork`ed child reports the
/// forking process's current RSS at least. So the program is forked by `/bin/sh` (about 1 MB resident), and this
/// process becomes a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`), which makes the program its child once the
/// shell has exited, so `wait4` can collect it. Where that is unavailable (not Linux) the program is spawned
/// directly, and its peak RSS is at least this process's.
public struct ProcessMeasurement: Sendable, Equatable {
    /// Seconds from just before the spawn to just after the child was reaped.
    public var wallSeconds: Double
    /// CPU seconds the child spent in user and in kernel mode.
    public var userSeconds: Double
    public var systemSeconds: Double
    /// The exit status (0…255) when the child exited, or 128 + the signal number when a signal ended it (the
    /// shell's convention).
    public var status: Int32
    /// The signal that ended the child, nil when it exited.
    public var terminatingSignal: Int32?
    /// The child's peak resident set size, in bytes.
    public var peakResidentBytes: Int

    /// The peak resident set size in MiB.
    public var peakResidentMiB: Double { Double(peakResidentBytes) / 1_048_576 }

    /// Why a child could not be started.
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        /// The program that was to run.
        public var executable: String
        /// The C function that failed (`posix_spawn`, `wait4`, …).
        public var operation: String
        /// The `errno` value it reported.
        public var code: Int32

        public var description: String {
            let reason = String(cString: strerror(code))
            if code == ENOENT, operation == "execvp" { return "\(executable): not found on PATH (\(reason))" }
            return "\(executable): \(operation) failed: \(reason) (errno \(code))"
        }
    }

    /// Runs `executable arguments…` to its end and measures it.
    ///
    /// - Parameters:
    ///   - executable: a path, or a name looked up on `PATH` (as a shell would: `python3`).
    ///   - arguments: the arguments after the program name.
    ///   - standardOutput: a file that receives the child's standard output (created or truncated); nil discards it.
    ///   - standardError: the same for standard error.
    /// - Throws: `SpawnError` when the program is not found or cannot be started or waited for. A child that fails
    ///   is not an error: its `status` says so.
    public static func run(
        _ executable: String, arguments: [String], standardOutput: String? = nil, standardError: String? = nil
    ) throws(SpawnError) -> ProcessMeasurement {
        let program = try resolve(executable)
        let output = (standardOutput ?? "/dev/null", standardError ?? "/dev/null")
        guard isSubreaper else {
            let start = ContinuousClock.now
            let pid = try spawn(program, [program] + arguments, output: output, pidFile: nil)
            return try reap(pid, program: program, start: start)
        }
        let pidFile = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "normscope-pid-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { unlink(pidFile) }
        let start = ContinuousClock.now
        // The shell forks the program in the background, writes its pid to fd 3 and exits at once.
        let shell = try spawn(
            "/bin/sh", ["sh", "-c", #""$@" 3>&- & echo $! >&3"#, "sh", program] + arguments, output: output,
            pidFile: pidFile)
        let launcher = try reap(shell, program: "/bin/sh", start: start)
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        guard launcher.status == 0, let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SpawnError(executable: executable, operation: "fork (in /bin/sh)", code: ECHILD)
        }
        return try reap(pid, program: program, start: start)
    }

    // MARK: - C calls

    /// Whether this process became a child subreaper (once, on first use): orphaned descendants are then
    /// re-parented to it instead of to init, so it can `wait4` for a program its launcher shell forked.
    private static let isSubreaper: Bool = {
        #if os(Linux)
            // glibc's prctl is variadic, which Swift does not import; on Linux's C ABIs a variadic call with
            // integer arguments passes them exactly as this fixed prototype does.
            guard let symbol = dlsym(nil, "prctl") else { return false }
            typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            // The corresponding C constant is `PR_SET_CHILD_SUBREAPER`.
            let setChildSubreaper: Int32 = 36
            return prctl(setChildSubreaper, 1, 0, 0, 0) == 0
        #else
            return false
        #endif
    }()

    /// The program's path: `executable` when it contains a `/`, else the first executable file of that name on
    /// `PATH` (so a missing program is reported here rather than as the shell's status 127).
    private static func resolve(_ executable: String) throws(SpawnError) -> String {
        if executable.contains("/") {
            guard access(executable, X_OK) == 0 else {
                throw SpawnError(executable: executable, operation: "access", code: errno)
            }
            return executable
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw SpawnError(executable: executable, operation: "execvp", code: ENOENT)
    }

    /// `posix_spawn`s `path` with `argv`, standard output and error to files, and fd 3 to `pidFile` when given.
    private static func spawn(
        _ path: String, _ arguments: [String], output: (String, String), pidFile: String?
    ) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try checked(path, "posix_spawn_file_actions_init") { posix_spawn_file_actions_init(&actions) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        let flags = O_WRONLY | O_CREAT | O_TRUNC
        let files = [(1, output.0), (2, output.1)] + (pidFile.map { [(3, $0)] } ?? [])
        for (descriptor, file) in files {
            try checked(path, "posix_spawn_file_actions_addopen") {
                posix_spawn_file_actions_addopen(&actions, Int32(descriptor), file, flags, 0o644)
            }
        }
        // Nothing else is inherited, so the measured child holds nothing of ours: HDF5 files are close-on-exec
        // already (`File`), but any other descriptor this process has open (pipes, sockets) would leak into it.
        try closeDescriptors(from: Int32(files.count + 1), in: &actions, program: path)
        // argv: owned C strings, freed once the child has its own copy (after the spawn returns).
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        try checked(path, "posix_spawn") { posix_spawn(&pid, path, &actions, nil, argv, environ) }
        return pid
    }

    /// Adds actions that close every descriptor from `lowest` up in the child: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+; a GNU extension Swift's Glibc module does not declare,
    /// hence `dlsym`), else one close per descriptor listed in `/proc/self/fd`.
    private static func closeDescriptors(
        from lowest: Int32, in actions: inout posix_spawn_file_actions_t, program: String
    ) throws(SpawnError) {
        #if os(Linux)
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
                let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
                try checked(program, "posix_spawn_file_actions_addclosefrom_np") { addCloseFrom(&actions, lowest) }
                return
            }
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for descriptor in open.compactMap(Int32.init) where descriptor >= lowest {
                try checked(program, "posix_spawn_file_actions_addclose") {
                    posix_spawn_file_actions_addclose(&actions, descriptor)
                }
            }
        #endif
    }

    /// Waits for child `pid` and turns its status and resource usage into a measurement.
    private static func reap(
        _ pid: pid_t, program: String, start: ContinuousClock.Instant
    ) throws(SpawnError) -> ProcessMeasurement {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            let code = errno
            guard code == EINTR else { throw SpawnError(executable: program, operation: "wait4", code: code) }
        }
        let wall = (ContinuousClock.now - start).inSeconds
        // The W* macros are not imported into Swift: the low 7 bits are the signal (0: exited), bits 8…15 the code.
        let signal = status & 0x7f
        #if os(Linux)
            let peak = Int(usage.ru_maxrss) * 1024
        #else
            let peak = Int(usage.ru_maxrss)
        #endif
        return ProcessMeasurement(
            wallSeconds: wall, userSeconds: usage.ru_utime.asSeconds, systemSeconds: usage.ru_stime.asSeconds,
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, terminatingSignal: signal == 0 ? nil : signal,
            peakResidentBytes: peak)
    }

    /// The funnel for the `posix_spawn*` calls, which return an error number instead of setting `errno`.
    private static func checked(_ executable: String, _ operation: String, _ call: () -> Int32) throws(SpawnError) {
        let code = call()
        if code != 0 { throw SpawnError(executable: executable, operation: operation, code: code) }
    }
}

extension timeval {
    fileprivate var asSeconds: Double { Double(tv_sec) + Double(tv_usec) * 1e-6 }
}
