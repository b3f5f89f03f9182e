import Foundation
import HDF5
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `HDF5Fork.fork()` gives a child whose HDF5 works, whatever the parent's other threads were doing in HDF5 at the
/// fork: the child makes the library's lock anew. (A plain fork while another thread held the lock, or a lock still
/// recorded as the parent thread's, would leave the child waiting for ever.)
@Suite("Forking with HDF5")
struct HDF5ForkTests {
    @Test("children forked while another thread keeps calling HDF5 open and read a file, and exit")
    func childrenUseHDF5() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("f.h5")
        let file = try File.create(path)
        try file.createGroup("runs/r0").setAttribute("seed", Int64(7))
        try file.close()

        // Another thread in and out of HDF5's lock all along.
        let busy = Thread {
            while !Thread.current.isCancelled {
                _ = try? File.open(path).openGroup("runs/r0").attribute("seed", as: Int64.self)
            }
        }
        busy.start()
        defer { busy.cancel() }

        for round in 0..<20 {
            let pid = HDF5Fork.fork()
            if pid == 0 {
                let seed = try? File.open(path).openGroup("runs/r0").attribute("seed", as: Int64.self)
                _exit(seed == 7 ? 0 : 1)
            }
            try #require(pid > 0, "fork failed: \(errno)")
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(10)
            var ended = waitpid(pid, &status, WNOHANG)
            while ended == 0, Date() < deadline {
                usleep(2000)
                ended = waitpid(pid, &status, WNOHANG)
            }
            if ended == 0 {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
            }
            try #require(ended == pid, "round \(round): the child hung")
            #expect(status == 0, "round \(round): the child could not read the file (status \(status))")
        }
    }
}
