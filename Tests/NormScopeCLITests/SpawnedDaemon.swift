import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A daemon started with posix_spawn and reaped here, not through Foundation's `Process`.
///
/// Foundation learns that a child has ended when a descriptor it shares with the child closes; slurmctld closes
/// every inherited descriptor at start, so Foundation took it for ended at once and its monitor thread blocked in
/// wait4 on the running daemon — and with it every other `Process` of the test run (found with gdb). Spawning
/// directly also lets the child start with no blocked signals: Dispatch's worker threads block SIGTERM, a child
/// inherits that mask, and slurmd and munged then ignored the SIGTERM meant to stop them.
final class SpawnedDaemon: @unchecked Sendable {
    let name: String
    let pid: pid_t
    /// The wait status once reaped.
    private(set) var waitStatus: Int32?

    /// Starts `executable arguments…` with standard input from /dev/null and both outputs appended to `log`.
    init(name: String, executable: String, arguments: [String], environment: [String: String], log: String) throws {
        self.name = name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process: a pipe of another test's child held open by a daemon would never end.
        Self.closeFrom3(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group, so that a Ctrl-C of the test run is not also a signal to the daemon mid-stop.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw LocalSlurmCluster.Failure(
                description: "\(executable): cannot start it: \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later), which Swift's Glibc module does not
    /// declare; without it, each descriptor open now.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    /// Whether it still runs; reaps it when it has ended.
    var isRunning: Bool {
        guard waitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        waitStatus = status
        return false
    }

    /// SIGTERM, then SIGKILL if it still runs after `grace`; returns once it is reaped.
    func stop(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            if waitpid(pid, &status, 0) == pid { waitStatus = status }
        }
    }
}
