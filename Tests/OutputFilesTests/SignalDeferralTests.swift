import Foundation
import OutputFiles
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Set by the test's own SIGHUP handler; SIGHUP is used so that a test runner's SIGINT handling is not disturbed.
nonisolated(unsafe) private var hangups: Int32 = 0

extension OutputFileTests {
    @Test("a signal raised while the temporary exists takes effect after the rename, with no temporary left")
    func signalWaitsForTheRename() throws {
        let folder = TemporaryDirectory(prefix: "normscope-output-signal")
        let path = folder.file("r.html")
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in hangups += 1 }
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        sigaction(SIGHUP, &action, &previous)
        defer { sigaction(SIGHUP, &previous, nil) }
        hangups = 0
        // The test runner may start this thread with the signal blocked; then nothing would be delivered at all.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGHUP)
        var mask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &unblock, &mask)
        defer { pthread_sigmask(SIG_SETMASK, &mask, nil) }
        var seenInside: Int32 = -1
        try OutputFile(path, option: "--out", force: false).write { (temporary: String) throws(OutputError) in
            try? "whole".write(toFile: temporary, atomically: false, encoding: .utf8)
            raise(SIGHUP)
            seenInside = hangups
        }
        #expect(seenInside == 0)
        #expect(hangups == 1)
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "whole")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["r.html"])
    }
}
