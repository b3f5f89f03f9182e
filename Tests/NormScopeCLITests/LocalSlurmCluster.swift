import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real one-node Slurm cluster on localhost for one test: its own munged (own key and socket), slurmctld and
/// slurmd, configured, spooled and logged under `directory`, on ports free at start, so that it touches nothing of
/// the machine's own Slurm or MUNGE setup and two test processes cannot collide.
final class LocalSlurmCluster: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String
    /// The environment for every client command (sbatch, squeue, and normscope, which runs sbatch).
    let environment: [String: String]
    private var daemons: [SpawnedDaemon] = []
    private var stopped = false

    /// The commands the cluster needs, each with where it was found.
    private static func locate(_ names: [String]) throws -> [String: String] {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/bin:/sbin:/bin"
        var found: [String: String] = [:]
        var missing: [String] = []
        for name in names {
            let candidates = path.split(separator: ":").map { "\($0)/\(name)" }
            if let hit = candidates.first(where: FileManager.default.isExecutableFile) {
                found[name] = hit
            } else {
                missing.append(name)
            }
        }
        guard missing.isEmpty else {
            throw Failure(
                description: "Slurm or MUNGE is not installed (\(missing.joined(separator: ", ")) not found): "
                    + "run .ci/setup, which installs Debian's slurm-wlm and munge")
        }
        return found
    }

    private let tools: [String: String]

    /// Writes the configuration, starts the daemons and waits until the node accepts jobs.
    init(directory: String, startupTimeout: Duration = .seconds(60)) throws {
        tools = try Self.locate(["munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol", "scancel"])
        self.directory = directory
        let munge = directory + "/munge"
        let fileManager = FileManager.default
        for sub in ["", "/munge", "/state", "/spool"] {
            try fileManager.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
            // munged refuses a socket directory that others cannot enter and a key directory others can write.
            try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + sub)
        }
        var key = [UInt8](repeating: 0, count: 128)
        var generator = SystemRandomNumberGenerator()
        for index in key.indices { key[index] = generator.next() }
        guard
            fileManager.createFile(
                atPath: munge + "/munge.key", contents: Data(key), attributes: [.posixPermissions: 0o600])
        else { throw Failure(description: "\(munge)/munge.key: cannot write it") }

        let (controllerPort, nodePort) = try Self.freePorts()
        let configuration = directory + "/slurm.conf"
        try Self.configuration(
            directory: directory, socket: munge + "/munge.socket", controllerPort: controllerPort, nodePort: nodePort
        ).write(toFile: configuration, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = configuration
        self.environment = environment

        do {
            try start(
                "munged",
                [
                    "-F", "--socket=\(munge)/munge.socket", "--key-file=\(munge)/munge.key",
                    "--pid-file=\(munge)/munged.pid", "--seed-file=\(munge)/munged.seed",
                    "--log-file=\(munge)/munged.log",
                ])
            try waitFor("munged's socket", timeout: .seconds(10)) {
                fileManager.fileExists(atPath: munge + "/munge.socket")
            }
            try start("slurmctld", ["-D", "-f", configuration])
            try start("slurmd", ["-D", "-f", configuration, "-N", "localhost"])
            try waitFor("the node to be idle", timeout: startupTimeout) {
                let state = try? ChildProcess.run(
                    tools["sinfo"]!, arguments: ["-h", "-N", "-o", "%t"], environment: environment)
                return state?.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "idle"
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// slurm.conf for one node with every CPU of this machine: no cgroups (proctrack/linuxproc, task/none) and no
    /// accounting database, which a container or a CI machine may lack; every path under `directory`.
    private static func configuration(directory: String, socket: String, controllerPort: Int, nodePort: Int) -> String {
        """
        ClusterName=normscope-test
        SlurmctldHost=localhost
        SlurmctldPort=\(controllerPort)
        SlurmdPort=\(nodePort)
        SlurmUser=\(NSUserName())
        AuthType=auth/munge
        AuthInfo=socket=\(socket)
        CredType=cred/munge
        StateSaveLocation=\(directory)/state
        SlurmdSpoolDir=\(directory)/spool
        SlurmctldPidFile=\(directory)/slurmctld.pid
        SlurmdPidFile=\(directory)/slurmd.pid
        SlurmctldLogFile=\(directory)/slurmctld.log
        SlurmdLogFile=\(directory)/slurmd.log
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        SelectType=select/cons_tres
        SelectTypeParameters=CR_CPU
        JobAcctGatherType=jobacct_gather/none
        AccountingStorageType=accounting_storage/none
        MpiDefault=none
        ReturnToService=2
        KillWait=2
        DependencyParameters=kill_invalid_depend
        NodeName=localhost CPUs=\(ProcessInfo.processInfo.activeProcessorCount) State=UNKNOWN
        PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP

        """
    }

    private func start(_ name: String, _ arguments: [String]) throws {
        daemons.append(
            try SpawnedDaemon(
                name: name, executable: tools[name]!, arguments: arguments, environment: environment,
                log: directory + "/\(name).out"))
    }

    private func waitFor(_ what: String, timeout: Duration, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            if let dead = daemons.first(where: { !$0.isRunning }) {
                throw Failure(
                    description:
                        "\(dead.name) ended (wait status \(dead.waitStatus ?? -1)) while waiting for \(what)\n\(logs())"
                )
            }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "timed out waiting for \(what)\n\(logs())")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The states of the jobs `ids` (one per array task), once every one has ended or one has failed.
    func waitForJobs(_ ids: [String], timeout: Duration) throws -> [String] {
        let ended = [
            "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
            "PREEMPTED",
        ]
        var states: [String] = []
        try waitFor("jobs \(ids.joined(separator: ", ")) to end", timeout: timeout) {
            states = try ids.flatMap { id in
                let shown = try ChildProcess.run(
                    tools["scontrol"]!, arguments: ["-o", "show", "job", id], environment: environment)
                return shown.standardOutput.split(separator: " ").filter { $0.hasPrefix("JobState=") }
                    .map { String($0.dropFirst("JobState=".count)) }
            }
            return !states.isEmpty
                && (states.allSatisfy(ended.contains) || states.contains { $0 != "COMPLETED" && ended.contains($0) })
        }
        return states
    }

    /// The end of every daemon's log, for a failure message.
    func logs() -> String {
        let names = ["munge/munged.log", "munged.out", "slurmctld.log", "slurmctld.out", "slurmd.log", "slurmd.out"]
        return names.compactMap { name in
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8), !text.isEmpty else {
                return nil
            }
            return "--- \(name):\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Cancels what is still queued, then stops slurmd, slurmctld and munged (SIGTERM, SIGKILL after 5 s each).
    func stop() {
        guard !stopped else { return }
        stopped = true
        if daemons.contains(where: { $0.name == "slurmctld" && $0.isRunning }) {
            _ = try? ChildProcess.run(tools["scancel"]!, arguments: ["--user", NSUserName()], environment: environment)
        }
        for daemon in daemons.reversed() { daemon.stop() }
    }

    /// Two TCP ports nothing listens on now: bound to port 0 together (so they differ), then released.
    private static func freePorts() throws -> (Int, Int) {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<2 {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            sockets.append(socket)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
                }
            }
            guard bound else { throw Failure(description: "bind to a free port: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return (ports[0], ports[1])
    }
}
