import Foundation
import HDF5
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("File descriptors and child processes")
struct FileDescriptorInheritanceTests {
    @Test("a child spawned while a file is open does not keep it locked after we close it")
    func closeOnExec() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("locked.h5")
        let file = try File.create(path)
        // Spawned with plain posix_spawn (which, unlike Foundation's Process, passes every descriptor not marked
        // close-on-exec to the child) while HDF5 holds its exclusive flock on the file.
        var pid: pid_t = 0
        let arguments = ["/bin/sleep", "30"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ) == 0)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try file.close()
        // Had the child kept the descriptor past its exec, the lock would live on in it for 30 s and this open
        // would fail with "unable to lock file".
        let reopened = try File.open(path)
        try reopened.close()
    }
}
