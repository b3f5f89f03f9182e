import Foundation
import HDF5

#if canImport(Glibc)
    import Glibc
#endif

/// One probe child: this process forked (`HDF5Fork`), running `body` with the write end of a pipe, watched until it
/// ends or its deadline passes (then killed); what it said on the pipe, and how it ended.
struct ProbeChild {
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        /// No child: the pipe or the fork failed, with this `errno`.
        case notStarted(Int32)
        /// `waitpid` failed with this `errno` (a program that ignores SIGCHLD has its children reaped for it).
        case lost(Int32)
    }

    var ending: Ending
    /// The last line of the protocol the child wrote: what it was doing when it ended.
    var lastMarker: ProbeProtocol.Marker?
    /// Lines written in all.
    var lineCount: Int

    /// A round's whole time, in multiples of its `timeout`, however steadily the child goes on.
    static let limitPerTimeout = 30.0

    /// Forks, runs `body(pipe)` in the child (which must not return: it ends with `_exit`), and reads the pipe in
    /// this process until the child has ended. The child is killed after `timeout` seconds without a new line (it
    /// names each object before touching it, so silence means one call into HDF5 has taken that long), and in any
    /// case after `limitPerTimeout` times `timeout`. A deadline on the whole walk alone grew with the file's bytes,
    /// not its objects, and cut short the healthy walk of a trace of many small runs.
    static func run(timeout: Double, _ body: (_ output: Int32) -> Never) -> ProbeChild {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return ProbeChild(ending: .notStarted(errno), lastMarker: nil, lineCount: 0) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        // Glibc's pipe2 is not visible to Swift. Close-on-exec keeps both ends out of the programs other threads
        // start meanwhile; a sibling probe forked by another thread does inherit them, which is why the end of the
        // child is learnt from waitpid below and not from the end of the pipe.
        for end in [readEnd, writeEnd] { _ = fcntl(end, F_SETFD, fcntl(end, F_GETFD) | FD_CLOEXEC) }
        let pid = HDF5Fork.fork()
        if pid == 0 {
            close(readEnd)
            body(writeEnd)
        }
        let forkError = errno
        close(writeEnd)
        defer { close(readEnd) }
        guard pid > 0 else { return ProbeChild(ending: .notStarted(forkError), lastMarker: nil, lineCount: 0) }

        var lines = LineTail()
        var buffer = [UInt8](repeating: 0, count: 65536)
        /// Reads what is in the pipe now, waiting at most `milliseconds` for the first byte.
        func drain(waiting milliseconds: Int32) {
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            var wait = milliseconds
            while poll(&poller, 1, wait) > 0 {
                let count = read(readEnd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return }
                lines.append(buffer[0..<count])
                wait = 0
            }
        }
        let limit = Date().addingTimeInterval(timeout * Self.limitPerTimeout)
        // Set on the first pass, as after every new line.
        var deadline = limit
        var linesSeen = -1
        var status: Int32 = 0
        while true {
            if lines.count != linesSeen {
                linesSeen = lines.count
                deadline = min(Date().addingTimeInterval(timeout), limit)
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                drain(waiting: 0)
                return ProbeChild(ending: .timedOut, lastMarker: lines.lastMarker, lineCount: lines.count)
            }
            drain(waiting: Int32(min(remaining, 0.05) * 1000) + 1)
            let ended = waitpid(pid, &status, WNOHANG)
            if ended == pid { break }
            if ended < 0, errno != EINTR {
                let failure = errno
                drain(waiting: 0)
                return ProbeChild(ending: .lost(failure), lastMarker: lines.lastMarker, lineCount: lines.count)
            }
        }
        // Whatever it wrote before it ended is in the pipe already.
        drain(waiting: 0)
        // The layout of wait(2)'s status word: the low 7 bits hold the terminating signal, 0 for a normal exit.
        let signal = status & 0x7f
        return ProbeChild(
            ending: signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal), lastMarker: lines.lastMarker,
            lineCount: lines.count)
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

/// The child's lines as they arrive, keeping only the last whole one that is part of the protocol: a walk of a
/// large file names tens of thousands of objects.
struct LineTail {
    private var partial: [UInt8] = []
    private(set) var lastMarker: ProbeProtocol.Marker?
    private(set) var count = 0

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        partial += bytes
        guard let end = partial.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let complete = partial[..<end]
        count += complete.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let start = complete.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? complete.startIndex
        let lastLine = complete[start...]
        if let marker = ProbeProtocol.Marker(line: String(decoding: lastLine, as: UTF8.self)) { lastMarker = marker }
        partial.removeSubrange(...end)
    }
}
