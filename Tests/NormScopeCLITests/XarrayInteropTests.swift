import Foundation
import TestSupport
import Testing

/// xarray opens every group of a recorded trace — raw gradient samples included — with both of its HDF5 engines,
/// h5netcdf and netCDF4 (netCDF-C), every axis labelled by a dimension scale; and h5py sees typed settings.
@Suite("xarray interoperability", .serialized)
struct XarrayInteropTests {
    let executable = ChildProcess.builtProduct("normscope")

    init() {
        // The README's test command installs them (.ci/setup): a missing one is a failure, not a skip.
        for module in ["xarray", "h5netcdf", "netCDF4"] {
            #expect(PythonScript.canImport(module), "\(module) is missing: run the README's test command")
        }
    }

    /// A char-lm sweep (three norm layers per run, AdaNorm's with Φ) sampling 2 raw rows every 4 steps.
    private func record(_ directory: TemporaryDirectory, live: Bool) throws -> String {
        let config = directory.file("lm.json")
        try #"""
        {"model": "char-lm", "dataset": "devils-dictionary", "width": 16, "heads": 2, "layers": 1, "ffn": 32,
         "context": 8, "batch": 4, "steps": 10, "eval_every": 5, "phi_every": 3, "raw_every": 4, "raw_rows": 2}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file(live ? "live.h5" : "lm.h5")
        let output = try ChildProcess.run(
            try #require(executable),
            arguments: ["record", "--config", config, "--presets", "layernorm,adanorm", "--quiet", "--out", trace]
                + (live ? ["--live"] : []))
        #expect(output.status == 0, "\(output.standardError)")
        return trace
    }

    /// Opens every group of each trace given with both engines and checks its dimensions and coordinates.
    static let everyGroupScript = #"""
        import sys, warnings, h5py, numpy as np, xarray as xr
        warnings.simplefilter("error")          # h5netcdf's phony-dimension warning is a failure too
        engines = ["h5netcdf", "netcdf4"]
        for path in sys.argv[1:]:
            groups, unlabelled = ["/"], []
            def visit(name, obj):
                if isinstance(obj, h5py.Group):
                    groups.append("/" + name)
                elif isinstance(obj, h5py.Dataset) and not obj.is_scale:
                    unlabelled.extend(f"{name} axis {i}" for i in range(obj.ndim) if len(obj.dims[i]) == 0)
            with h5py.File(path, "r") as f:
                f.visititems(visit)
            assert not unlabelled, (path, unlabelled)
            for engine in engines:
                opened = {group: xr.open_dataset(path, engine=engine, group=group) for group in groups}
                for group, ds in opened.items():
                    # Coordinates of this group and of those above it (netCDF: a parent's dimensions are visible).
                    above = [g for g in groups if group == g or group.startswith(g.rstrip("/") + "/")]
                    coordinates = set().union(*(opened[g].coords for g in above))
                    for name, variable in ds.variables.items():
                        for dim in variable.dims:
                            assert not dim.startswith("phony"), (path, engine, group, name, variable.dims)
                            assert dim in coordinates, (path, engine, group, name, dim)
                    attributes = set(ds.attrs)
                    if engine == "netcdf4":
                        other = set(xr.open_dataset(path, engine="h5netcdf", group=group).attrs)
                        assert attributes == other, (path, group, "netCDF-C lists", attributes ^ other)
                    parts = group.split("/")
                    if len(parts) == 3 and parts[1] == "runs":
                        assert ds.steps.dims == ("step",) and ds.evals.dims == ("eval_step",), (group, ds)
                        assert list(ds.step.values) == list(ds.steps.values["step"])
                    if len(parts) == 5 and "raw_parts" in ds:
                        raw = ds.raw_parts
                        assert raw.dims == ("raw_step", "part", "row", "feature"), raw.dims
                        assert list(raw.part.values) == ["total", "direct", "recenter", "rescale"], raw.part.values
                        assert list(raw.raw_step.values) == [0, 4, 8], raw.raw_step.values
                        assert list(raw.row.values) == [0, 1] and list(raw.feature.values) == list(range(16))
                        total = raw.sel(part="total")
                        rest = raw.sel(part=["direct", "recenter", "rescale"]).sum("part")
                        assert float(abs(total - rest).max()) <= 1e-5 * float(abs(total).max()), group
                        assert ds.grad.dims == ("step",)
                    if len(parts) == 5 and "phi" in ds:
                        assert ds.phi_hist.dims == ("phi_step", "phi_bin") and ds.phi.dims == ("phi_step",)
                        assert np.isneginf(ds.phi_bin.values[0]) and ds.phi_hist.sel(phi_step=int(ds.phi_step.values[-1])).sum() > 0
        print("ok")
        """#

    @Test("every group of traces with raw parts and Φ (plain and live) and of the format-1 reference opens in both")
    func everyGroupBothEngines() throws {
        let directory = TemporaryDirectory()
        // The reference trace has no raw parts: format 1 left their axes 1-3 unlabelled, which neither engine opens.
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path
        let traces = [try record(directory, live: false), try record(directory, live: true), reference]
        let output = try PythonScript.run(Self.everyGroupScript, arguments: traces)
        #expect(output.status == 0 && output.standardOutput.contains("ok"), "\(output.standardError)")
    }

    @Test("h5py sees typed settings: numbers as numbers, lists as arrays, booleans as bools; config stays JSON")
    func typedSettings() throws {
        let directory = TemporaryDirectory()
        let trace = try record(directory, live: false)
        let output = try PythonScript.run(
            #"""
            import sys, json, h5py, numpy as np, xarray as xr
            f = h5py.File(sys.argv[1], "r")
            a = f["runs/adanorm-s0"].attrs
            assert f.attrs["format_version"] == 2
            assert isinstance(a["momentum"], float) and a["momentum"] == 0.9, repr(a["momentum"])
            assert isinstance(a["lr"], float) and a["lr"] * 2 == 0.002
            assert isinstance(a["dropout"], float) and isinstance(a["norm_adanorm_scale"], float)
            assert isinstance(a["heads"], np.integer) and a["heads"] == 2 and a["heads"].dtype == np.int64
            assert isinstance(a["hidden"], np.ndarray) and a["hidden"].dtype == np.int64
            assert list(a["hidden"]) == [128, 128]
            for name in ["norm_normalizes", "norm_detach_mean", "norm_detach_std"]:
                assert isinstance(a[name], (bool, np.bool_)), (name, repr(a[name]))
            assert a["norm_normalizes"] and not a["norm_detach_mean"]
            assert isinstance(a["preset"], str) and a["preset"] == "adanorm" and a["model"] == "char-lm"
            assert json.loads(a["config"])["momentum"] == 0.9
            assert "norm_adanorm_scale" not in f["runs/layernorm-s0"].attrs
            run = xr.open_dataset(sys.argv[1], engine="h5netcdf", group="runs/adanorm-s0")
            assert run.attrs["heads"] * 2 == 4 and bool(run.attrs["norm_normalizes"])
            print("ok")
            """#, arguments: [trace])
        #expect(output.status == 0 && output.standardOutput.contains("ok"), "\(output.standardError)")
    }
}
