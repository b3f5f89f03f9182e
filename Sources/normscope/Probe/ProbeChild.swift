import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One run of this executable as a child process whose death is expected: its standard output collected, a
/// deadline enforced with SIGKILL, and how it ended (exit status, signal, or the deadline).
struct ProbeChild {
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        case notStarted(Int32)
    }

    var ending: Ending
    var lines: [String]

    /// Runs `/proc/self/exe arguments…` with standard error discarded, for at most `timeout` seconds.
    ///
    /// The pipe is made close-on-exec at once, so that only this child holds its write end (another child started at the
    /// same time by another thread would otherwise keep it open, and the read below would never see its end);
    /// HDF5's own descriptors are close-on-exec already (see `File`).
    static func run(arguments: [String], timeout: Double) -> ProbeChild {
        var pipeEnds: [Int32] = [-1, -1]
        // Glibc's pipe2 is not visible to Swift; the commands call this before starting any thread of their own.
        guard pipe(&pipeEnds) == 0 else { return ProbeChild(ending: .notStarted(errno), lines: []) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        for end in [readEnd, writeEnd] { _ = fcntl(end, F_SETFD, fcntl(end, F_GETFD) | FD_CLOEXEC) }
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy, which is the child's standard output.
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv = (["normscope"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environment = childEnvironment().map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nil, argv, environment)
        close(writeEnd)
        guard spawned == 0 else { return ProbeChild(ending: .notStarted(spawned), lines: []) }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                timedOut = true
                break
            }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let count = read(readEnd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        if timedOut { return ProbeChild(ending: .timedOut, lines: lines) }
        // The layout of wait(2)'s status word: the low 7 bits hold the terminating signal, 0 for a normal exit.
        let signal = status & 0x7f
        return ProbeChild(ending: signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal), lines: lines)
    }

    /// This process's environment, plus glibc's `MALLOC_PERTURB_`: memory fresh from malloc or just freed is filled
    /// with a fixed non-zero byte. Damaged files make HDF5 read memory it never initialized (a half-built attribute
    /// table, an object slot past the end of a heap's array); with zeros or old pointers there it may survive by
    /// luck in the probe and crash in the reader, with the pattern it dereferences an impossible address at once.
    static func childEnvironment() -> [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MALLOC_PERTURB_"] = environment["MALLOC_PERTURB_"] ?? "165"
        return environment.map { "\($0.key)=\($0.value)" }
    }

    /// SIGSEGV, SIGBUS…: the name a user can look up.
    static func name(ofSignal signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGXCPU: "SIGXCPU",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
