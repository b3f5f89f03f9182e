import Foundation
import TestSupport
import Testing

/// `record --jobs N` trains N runs at once, each on one core, into one trace: every run's rows are the same bits
/// as with `--jobs 1`.
@Suite("record --jobs")
struct ParallelRunsTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("--jobs 2 and --jobs 1 give bit-identical rows in every table of every run (seconds aside)")
    func jobsDoNotChangeRows() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = [
            "--presets", "layernorm,adanorm", "--seeds", "2", "--steps", "60", "--eval-every", "20",
        ]
        for jobs in ["1", "2"] {
            let output = try ChildProcess.run(
                path, arguments: ["record", "--quiet", "--jobs", jobs] + sweep + ["--out", directory.file("j\(jobs).h5")])
            #expect(output.status == 0, "\(output.standardError)")
        }
        let compare = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            def same(g, h, path):
                assert sorted(g) == sorted(h), (path, list(g), list(h))
                for name in g:
                    x, y = g[name], h[name]
                    if isinstance(x, h5py.Group):
                        same(x, y, f"{path}/{name}")
                        continue
                    u, v = x[()], y[()]
                    assert u.shape == v.shape, (path, name)
                    columns = [c for c in (u.dtype.names or [None]) if c != "seconds"]
                    for c in columns:
                        a, b = (u, v) if c is None else (u[c], v[c])
                        assert np.array_equal(a, b, equal_nan=True), (path, name, c)
            with h5py.File(sys.argv[1], "r") as one, h5py.File(sys.argv[2], "r") as two:
                assert len(one["runs"]) == 4
                same(one["runs"], two["runs"], "/runs")
            print("identical")
            """, arguments: [directory.file("j1.h5"), directory.file("j2.h5")])
        #expect(compare.status == 0, "\(compare.standardError)")
        let bad = try ChildProcess.run(path, arguments: ["record", "--jobs", "0", "--out", directory.file("x.h5")])
        expectOneLineError(bad, ["--jobs 0: must be a positive whole number"])
    }
}
