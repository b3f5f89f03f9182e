import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Holds SIGINT, SIGTERM and SIGHUP back while an output is being written and renamed, so that an interrupt
/// between creating the temporary file and renaming it cannot leave the temporary behind: a signal that arrives
/// meanwhile is noted and raised again, under the handlers that were in place before, when the write has ended.
///
/// A handler, not a signal mask: the mask is per thread, and the kernel delivers a process-directed signal to any
/// thread that does not block it. Nested and concurrent writes share one deferral; the last to end restores.
struct SignalDeferral {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private static let state = Mutex(State())

    private struct State {
        var depth = 0
        var saved: [Int32: sigaction] = [:]
    }

    static func begin() -> SignalDeferral {
        state.withLock { state in
            state.depth += 1
            guard state.depth == 1 else { return }
            Pending.signal.store(0, ordering: .sequentiallyConsistent)
            for number in signals {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { number in
                    // Async-signal-safe: one atomic store; the first signal is the one raised again.
                    _ = Pending.signal.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
                }
                action.sa_flags = Int32(SA_RESTART)
                sigemptyset(&action.sa_mask)
                var previous = sigaction()
                sigaction(number, &action, &previous)
                state.saved[number] = previous
            }
        }
        return SignalDeferral()
    }

    func end() {
        let pending: Int32 = Self.state.withLock { state in
            state.depth -= 1
            guard state.depth == 0 else { return 0 }
            for (number, previous) in state.saved {
                var action = previous
                sigaction(number, &action, nil)
            }
            state.saved = [:]
            return Pending.signal.exchange(0, ordering: .sequentiallyConsistent)
        }
        if pending != 0 { raise(pending) }
    }
}

/// The signal that arrived during a deferral, 0 for none: the one thing the handler touches.
private enum Pending {
    static let signal = Atomic<Int32>(0)
}
