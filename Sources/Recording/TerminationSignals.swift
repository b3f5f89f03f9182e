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
/// The handler only stores the signal number in an atomic (the one thing a signal handler may safely do). With
/// `exitOnRepeat` (the default), a second signal ends the process at once with the same exit code: the way out
/// when finishing would take too long. That is still safe for the trace, which holds every step up to the last
/// flush whatever the moment the process dies.
public enum TerminationSignals {
    /// Installs the handler for SIGINT and SIGTERM (replacing their default action, which would kill the process
    /// mid-write) and clears any earlier signal.
    /// - Parameter exitOnRepeat: end the process (`_exit(128 + signal)`) when a second signal arrives before the
    ///   program stopped by itself.
    public static func install(exitOnRepeat: Bool = true) {
        let flags = SignalFlags.shared
        flags.received.store(0, ordering: .sequentiallyConsistent)
        flags.exitOnRepeat.store(exitOnRepeat, ordering: .sequentiallyConsistent)
        // A parent may start us with these signals blocked (Foundation's Process inherits the spawning thread's
        // mask); a handler that never runs would make Ctrl-C do nothing, so unblock them for this thread, whose
        // mask the threads started later inherit.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in TerminationSignal.allCases { sigaddset(&unblock, signal.rawValue) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in TerminationSignal.allCases {
            setAction(for: signal.rawValue) { number in
                // Async-signal-safe only: atomics and _exit.
                let flags = SignalFlags.shared
                let (exchanged, _) = flags.received.compareExchange(
                    expected: 0, desired: number, ordering: .sequentiallyConsistent)
                if !exchanged && flags.exitOnRepeat.load(ordering: .sequentiallyConsistent) {
                    _exit(128 + number)
                }
            }
        }
    }

    /// Restores the default action of SIGINT and SIGTERM (the process dies on them again).
    public static func uninstall() {
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
    let exitOnRepeat = Atomic<Bool>(true)
}
