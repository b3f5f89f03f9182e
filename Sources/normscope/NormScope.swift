import ArgumentParser
import Recording
import Tensors

/// The `normscope` command: record instrumented training runs, analyse their traces.
@main
struct NormScope: ParsableCommand {
    /// Tunes the allocator for training before the command runs (see `AllocatorTuning`), then runs it; a first word
    /// that names no command is one line offering the nearest (see `UnknownCommand`), and a command line the parser
    /// refuses one line too (``oneLine(_:)``), exit 1.
    static func main() {
        if let unknown = UnknownCommand.find(in: Array(CommandLine.arguments.dropFirst()), root: NormScope.self) {
            exit(withError: OptionValueError(unknown.description))
        }
        AllocatorTuning.keepFreedBuffers()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: oneLine(error))
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "normscope",
        abstract: "Record and analyse why layer normalization works (Xu et al. 2019, Ba et al. 2016).",
        discussion: """
            NormScope trains small networks whose normalization layers are instrumented and writes, per step, \
            their input gradient split into a direct, a re-centering (∂μ/∂x) and a re-scaling (∂σ/∂x) part, \
            plus AdaNorm's Φ(y) distribution, into an HDF5 trace that h5py, pandas and xarray open directly.

            Available now:
              demo              record the default sweep (digits MLP, five variants, 2 seeds)
              record            record gradient traces of a sweep (presets × seeds × grid)
              analyze           overfitting gaps, gradient parts, Theorem 1 checks and Φ(y), per preset
              report            the same as one HTML page with charts
              export            every table of a trace as CSV files
              inspect           the tree of a trace, validated against its format (v1 or v2)
              schema            the trace format's declaration, as JSON or as TRACE_FORMAT.md's tables
              slurm             Slurm jobs for a sweep: one array task per shard, then analyze and report
              bench tensors     matrix-product and row-kernel throughput against this machine's memory bandwidth
              bench kernels     the training steps' products under every OpenBLAS core this CPU can run
              bench norm        normalization forward + backward throughput, instrumented and not
              bench train       MLP and char-LM training steps, recording off and on, interleaved with PyTorch
              bench analyze     analyze a ≥ 1 GB trace: MB/s and peak memory beside h5py + NumPy
            """,
        version: TraceFormat.toolVersion,
        subcommands: [
            Demo.self, Record.self, Analyze.self, Report.self, Export.self, Inspect.self, Slurm.self, Bench.self,
            Schema.self,
        ]
    )
}
