import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A signal that asks a recording to stop: Ctrl-C in the terminal, or `kill` / a scheduler's timeout.
public enum TerminationSignal: Int32, Sendable, CaseIterable {
    /// `SIGINT` (Ctrl-C).
    case interrupt = 2
    /// `SIGTERM` (`kill PID`, a batch scheduler's time limit).
    case terminate = 15

    /// The exit status a process should end with after stopping because of this signal, by the shell's convention
    /// of 128 + the signal number: 130 for SIGINT, 143 for SIGTERM.
    public var exitCode: Int32 { 128 + rawValue }

    /// `"SIGINT"` or `"SIGTERM"`.
    public var name: String {
        switch self {
        case .interrupt: "SIGINT"
        case .terminate: "SIGTERM"
        }
    }
}

/// Turns SIGINT and SIGTERM into a flag that a trainer polls between steps, so that stopping a recording finishes
/// the current step, marks the run "interrupted", flushes and closes the trace, instead of the process dying
/// between two HDF5 calls.
///
/// ```swift
/// TerminationSignals.install()
/// for step in 0..<steps {
///     if let signal = TerminationSignals.received {
///         try writer.finishRun(run, status: .interrupted, completedSteps: Int64(step))
///         try writer.close()
///         exit(signal.exitCode)          // 130 after Ctrl-C, 143 after SIGTERM
///     }
///     …
/// }
/// ```
///
/// The handler only stores the first signal's number in an atomic (the one thing a signal handler may safely do)
/// and, for the first, writes a prepared announcement to standard error with `write(2)`. Every later signal, in any
/// rhythm, is absorbed: a terminal's Ctrl-C reaches every process of its group, `timeout -s INT` and impatient
/// users send two, and a second signal that ended the process at once would cost the steps written since the last
/// flush (and leave a compaction's scratch file). The way to stop at once is SIGKILL; the trace then holds every
/// step up to its last flush.
public enum TerminationSignals {
    /// Installs the handler for SIGINT and SIGTERM (replacing their default action, which would kill the process
    /// mid-write) and clears any earlier signal.
    ///
    /// Installations nest: an inner `install()` (a recorder's, inside a command that installed for its whole run)
    /// keeps the signal already received and sets its own announcement, and only the outermost `uninstall()`
    /// restores the default action. A command that ends the process after a stop installs for its whole run, so
    /// that a signal arriving after the recorder returned cannot kill it before it exits with its status.
    /// - Parameter announcement: what to print on standard error when the first signal arrives, e.g. that the
    ///   program is stopping; nil prints nothing (an inner installation's nil keeps the outer one's).
    public static func install(announcement: ((TerminationSignal) -> String)? = nil) {
        let flags = SignalFlags.shared
        let outermost = flags.depth.withLock { depth in
            depth += 1
            return depth == 1
        }
        if outermost || announcement != nil {
            for signal in TerminationSignal.allCases {
                flags.setAnnouncement(announcement.map { $0(signal) }, for: signal)
            }
        }
        guard outermost else { return }
        flags.received.store(0, ordering: .sequentiallyConsistent)
        // A parent may start us with these signals blocked (Foundation's Process inherits the spawning thread's
        // mask); a handler that never runs would make Ctrl-C do nothing, so unblock them for this thread, whose
        // mask the threads started later inherit.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in TerminationSignal.allCases { sigaddset(&unblock, signal.rawValue) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in TerminationSignal.allCases {
            setAction(for: signal.rawValue) { number in
                // Async-signal-safe only: atomics and write(2).
                let flags = SignalFlags.shared
                let (first, _) = flags.received.compareExchange(
                    expected: 0, desired: number, ordering: .sequentiallyConsistent)
                guard first, let text = flags.announcement(for: number) else { return }
                _ = write(STDERR_FILENO, text, strlen(text))
            }
        }
    }

    /// Ends an installation; the outermost restores the default action of SIGINT and SIGTERM (the process dies on
    /// them again).
    public static func uninstall() {
        let outermost = SignalFlags.shared.depth.withLock { depth in
            depth = max(0, depth - 1)
            return depth == 0
        }
        guard outermost else { return }
        for signal in TerminationSignal.allCases {
            setAction(for: signal.rawValue, handler: nil)
        }
    }

    /// The first signal received since `install()` or `reset()`, or nil.
    public static var received: TerminationSignal? {
        TerminationSignal(rawValue: SignalFlags.shared.received.load(ordering: .sequentiallyConsistent))
    }

    /// Whether a stop was requested: `received != nil`.
    public static var isStopRequested: Bool { received != nil }

    /// Forgets a received signal (a test, or a program that asked the user and carries on).
    public static func reset() {
        SignalFlags.shared.received.store(0, ordering: .sequentiallyConsistent)
    }

    /// Sets the action of `signal`: `handler`, or the default action when nil. SA_RESTART makes a system call
    /// interrupted by the signal (a write of the trace, say) resume instead of failing with EINTR.
    private static func setAction(for signal: Int32, handler: (@convention(c) (Int32) -> Void)?) {
        var action = sigaction()
        #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = handler ?? SIG_DFL
        #else
            action.__sigaction_u.__sa_handler = handler ?? SIG_DFL
        #endif
        action.sa_flags = handler == nil ? 0 : Int32(SA_RESTART)
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
    }
}

/// The state the signal handler touches: atomics only, created before any handler is installed.
private final class SignalFlags: Sendable {
    static let shared = SignalFlags()
    /// The first signal's number, 0 for none.
    let received = Atomic<Int32>(0)
    /// Installations not yet ended (never touched by the handler).
    let depth = Mutex(0)
    /// Each signal's announcement, the address of a C string the handler can `write` without allocating (0 for
    /// none); an address, as pointers are not `Sendable`.
    private let interruptText = Atomic<Int>(0)
    private let terminateText = Atomic<Int>(0)

    func setAnnouncement(_ text: String?, for signal: TerminationSignal) {
        let new = Int(bitPattern: text.flatMap { strdup($0) })
        // The old text is kept, not freed: a handler running on another thread may be writing it right now.
        switch signal {
        case .interrupt: _ = interruptText.exchange(new, ordering: .sequentiallyConsistent)
        case .terminate: _ = terminateText.exchange(new, ordering: .sequentiallyConsistent)
        }
    }

    func announcement(for number: Int32) -> UnsafeMutablePointer<CChar>? {
        let address =
            switch TerminationSignal(rawValue: number) {
            case .interrupt: interruptText.load(ordering: .sequentiallyConsistent)
            case .terminate: terminateText.load(ordering: .sequentiallyConsistent)
            case nil: 0
            }
        return UnsafeMutablePointer(bitPattern: address)
    }
}
