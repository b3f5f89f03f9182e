import HDF5

#if canImport(Glibc)
    import Glibc
#endif

/// The conversation between a probe child and its parent, and the child's setting up.
///
/// Before each call that may crash or hang HDF5 the child writes a line naming what it is about to touch
/// (`touch /runs/r0@config`), so that the last line the parent reads names the culprit; `open` before the file is
/// opened, `close` before it is closed, `done` after a walk that got through.
enum ProbeProtocol {
    /// One line of the child's.
    enum Marker: Equatable {
        case open
        case touch(HDF5Access)
        case close
        case done

        static let touchPrefix = "touch "

        var line: String {
            switch self {
            case .open: "open"
            case .touch(let target): Self.touchPrefix + "\(target)"
            case .close: "close"
            case .done: "done"
            }
        }

        init?(line: String) {
            switch line {
            case "open": self = .open
            case "close": self = .close
            case "done": self = .done
            default:
                guard line.hasPrefix(Self.touchPrefix),
                    let target = HDF5Access(spelling: String(line.dropFirst(Self.touchPrefix.count)))
                else { return nil }
                self = .touch(target)
            }
        }
    }

    /// The child's exit status when HDF5 reported that it ran out of memory (under the child's limit); the parent
    /// treats the object last touched as one that would exhaust memory unbounded.
    static let exhaustedStatus: Int32 = 3
    /// The child's exit status when the file does not open; the parent leaves the message to the reader.
    static let unopenableStatus: Int32 = 2

    /// Writes one line to `output` at once, unbuffered, so that it is in the pipe before the risky call.
    static func say(_ marker: Marker, to output: Int32) {
        let bytes = Array((marker.line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(output, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    // MARK: - The child, before it walks

    /// Makes a just-forked child a probe: it dies with its parent, a crash kills it plainly, it keeps quiet, its
    /// memory is bounded and freshly allocated memory is not zero.
    static func prepareChild(memoryBudgetMiB: Int, perturbMemory: Bool) {
        dieWithParent()
        resetSignals()
        silenceStandardError()
        limitResources(memoryBudgetMiB: memoryBudgetMiB)
        if perturbMemory {
            perturbAllocations()
            HDF5Fork.releaseFreeListsInChild()
            drainThreadCache()
        }
    }

    /// Asks the kernel to kill this process when its parent dies: a program killed while its probe hangs in HDF5
    /// (by a user's timeout, say) must not leave the probe spinning on a core for good. If the parent died before
    /// the request was made, the probe has no one to answer. (A parent that is PID 1, a program run as a
    /// container's entry point, is a parent like any other.)
    private static func dieWithParent() {
        #if os(Linux)
            let parent = getppid()
            // glibc's prctl is variadic, which Swift does not import; on Linux's C ABIs a variadic call with
            // integer arguments passes them exactly as this fixed prototype does.
            if let symbol = dlsym(nil, "prctl") {
                typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
                // The corresponding C constant is `PR_SET_PDEATHSIG`.
                let setParentDeathSignal: Int32 = 1
                _ = unsafeBitCast(symbol, to: Prctl.self)(setParentDeathSignal, UInt(SIGKILL), 0, 0, 0)
            }
            if getppid() != parent { _exit(0) }
        #endif
    }

    /// The parent's handlers are the parent's: the Swift runtime's crash backtracer (which would take seconds, and
    /// write to the terminal), a command's SIGINT handler. A crash here must just end the child, with its signal
    /// for the parent to read; Ctrl-C is for the parent, whose death ends the child anyway.
    private static func resetSignals() {
        for signal in [SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGTRAP, SIGFPE, SIGTERM, SIGPIPE, SIGXCPU] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = SIG_DFL
            sigemptyset(&action.sa_mask)
            _ = sigaction(signal, &action, nil)
        }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        _ = sigaction(SIGINT, &ignore, nil)
        var none = sigset_t()
        sigemptyset(&none)
        _ = pthread_sigmask(SIG_SETMASK, &none, nil)
    }

    /// A Swift runtime error's message ("Fatal error: …") is no business of the parent's terminal.
    private static func silenceStandardError() {
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        _ = dup2(null, 2)
        close(null)
    }

    /// Turns core dumps off (a crash here is expected, not a bug to keep) and bounds the address space a little
    /// above what the child inherits, so that a damaged extent fails an allocation quickly instead of swapping.
    private static func limitResources(memoryBudgetMiB: Int) {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        guard let inherited = addressSpaceBytes() else { return }
        let bytes = rlim_t(inherited) + rlim_t(memoryBudgetMiB) << 20
        var current = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &current) == 0, bytes < current.rlim_cur else {
            return
        }
        var limit = rlimit(rlim_cur: bytes, rlim_max: current.rlim_max)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    }

    /// This process's address space in bytes: the first field of /proc/self/statm, in pages. Read with the system
    /// calls alone (no Foundation in the child).
    private static func addressSpaceBytes() -> Int? {
        let descriptor = open("/proc/self/statm", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        var pages = 0
        for byte in buffer[0..<count] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            pages = pages * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    /// glibc's `MALLOC_PERTURB_`, set in the child: memory fresh from malloc or just freed is filled with a fixed
    /// non-zero byte. Damaged files make HDF5 read memory it never initialized (a half-built attribute table, an
    /// object slot past the end of a heap's array); with zeros or old pointers there it may survive by luck in
    /// the probe and crash in the reader, with the pattern it dereferences an impossible address at once. (A
    /// parent started with `MALLOC_PERTURB_` set perturbs already, with its own byte.)
    private static func perturbAllocations() {
        // `mallopt` is in <malloc.h>, which Glibc's module does not export; M_PERTURB is -6 there.
        guard let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-6, 165)
    }

    /// Takes every chunk out of this thread's malloc cache (glibc's tcache: up to 7 chunks of each size to 1 KB,
    /// per thread), keeping them. The child is a copy of the thread that forked, whose cache holds what that thread
    /// freed last — the parent's stale data, which the cache hands out again without perturbing it; after this,
    /// small blocks come perturbed from the heap, or from what the child itself freed.
    private static func drainThreadCache() {
        for size in stride(from: 8, through: 1032, by: 16) {
            for _ in 0..<8 { _ = malloc(size) }
        }
    }
}
