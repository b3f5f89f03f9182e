import Foundation
import Recording
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends real signals to this test process: if the handler were not installed, the process would die, which fails
/// the run loudly.
@Suite("Termination signals", .serialized)
struct TerminationSignalsTests {
    @Test("exit codes follow the shell's 128 + signal convention")
    func exitCodes() {
        #expect(TerminationSignal.interrupt.exitCode == 130)
        #expect(TerminationSignal.terminate.exitCode == 143)
        #expect(TerminationSignal.interrupt.rawValue == SIGINT && TerminationSignal.terminate.rawValue == SIGTERM)
    }

    @Test("SIGTERM and SIGINT become a polled flag holding the first signal; the process keeps running")
    func signalsBecomeFlag() throws {
        TerminationSignals.install()
        defer { TerminationSignals.uninstall() }
        #expect(TerminationSignals.received == nil)
        kill(getpid(), SIGTERM)
        #expect(waitForSignal() == .terminate)
        #expect(TerminationSignals.isStopRequested)
        // A second signal does not replace the first, and does not end the process.
        kill(getpid(), SIGINT)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(TerminationSignals.received == .terminate)

        TerminationSignals.reset()
        #expect(TerminationSignals.received == nil)
        kill(getpid(), SIGINT)
        #expect(waitForSignal() == .interrupt)
    }

    @Test("uninstall restores the default action")
    func uninstallRestoresDefault() {
        TerminationSignals.install()
        #expect(currentHandlerIsDefault(SIGINT) == false)
        TerminationSignals.uninstall()
        #expect(currentHandlerIsDefault(SIGINT))
        #expect(currentHandlerIsDefault(SIGTERM))
    }

    @Test("installations nest: an inner one keeps the signal received, only the outermost uninstall restores")
    func nestedInstallations() {
        TerminationSignals.install()
        kill(getpid(), SIGINT)
        #expect(waitForSignal() == .interrupt)
        TerminationSignals.install(announcement: { _ in "" })
        #expect(TerminationSignals.received == .interrupt)
        TerminationSignals.uninstall()
        // A late signal after the inner one ended is still absorbed: this process would die on it otherwise.
        #expect(currentHandlerIsDefault(SIGINT) == false)
        kill(getpid(), SIGTERM)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(TerminationSignals.received == .interrupt)
        TerminationSignals.uninstall()
        #expect(currentHandlerIsDefault(SIGINT) && currentHandlerIsDefault(SIGTERM))
    }

    /// Polls for up to 2 s: a signal sent to the process may be handled on another thread.
    private func waitForSignal() -> TerminationSignal? {
        let deadline = Date(timeIntervalSinceNow: 2)
        while TerminationSignals.received == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        return TerminationSignals.received
    }

    private func currentHandlerIsDefault(_ signal: Int32) -> Bool {
        var action = sigaction()
        sigaction(signal, nil, &action)
        #if canImport(Glibc)
            let handler = action.__sigaction_handler.sa_handler
        #else
            let handler = action.__sigaction_u.__sa_handler
        #endif
        return handler == nil
    }
}
