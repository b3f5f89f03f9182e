import Foundation
import TestSupport

/// Stand-ins for the PyTorch scripts of `bench train`: shell scripts that speak (or break) the worker protocol,
/// so the tests need neither torch nor a real model.
enum FakeTorchWorker {
    /// Says it is ready (its model: the arguments it was given), then answers `run N` with N times of 1.5 ms.
    static let wellBehaved = """
        printf '{"ready": true, "torch": "fake", "threads": 1, "model": "%s"}\\n' "$*"
        while read -r command count; do
            case "$command" in
                run)
                    times=1.5; i=1
                    while [ "$i" -lt "$count" ]; do times="$times, 1.5"; i=$((i + 1)); done
                    echo "{\\"ms\\": [$times]}" ;;
                quit) exit 0 ;;
            esac
        done
        """

    /// Ready, then whatever `body` does with the first command line in `$line`.
    static func readyThen(_ body: String) -> String {
        """
        echo '{"ready": true, "torch": "fake", "threads": 1, "model": "fake"}'
        read -r line
        \(body)
        """
    }

    /// `/bin/sh -c script` as a worker command (the trailing `sh` is the script's `$0`).
    static func command(_ script: String) -> [String] {
        ["/bin/sh", "-c", script, "sh"]
    }

    /// A repository whose `analysis/` holds `script` under both PyTorch scripts' names, to run with `/bin/sh`.
    static func repository(_ script: String, in directory: TemporaryDirectory) throws -> String {
        let analysis = directory.file("repository/analysis")
        try FileManager.default.createDirectory(atPath: analysis, withIntermediateDirectories: true)
        for name in ["bench_torch_mlp.py", "bench_torch_charlm.py"] {
            try script.write(
                toFile: (analysis as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory.file("repository")
    }
}
