/// How runs are named where the output names one (notes' run lists, charts, the report, JSON's `layers` keys): by
/// its id, which is unique within a file; by `label:id` for the runs of a file given a label (`A.h5:lr-sweep`); and
/// by `file:id` where runs of several unlabelled files share an id (traces recorded apart name their runs alike).
enum RunNaming {
    /// A distinct name for each run, in the order given.
    static func names(_ runs: [(id: String, input: TraceInput)]) -> [String] {
        var files: [String: Set<TraceInput>] = [:]
        for run in runs { files[run.id, default: []].insert(run.input) }
        var names = runs.map { run in
            if let label = run.input.label { return "\(label):\(run.id)" }
            return files[run.id, default: []].count > 1 ? "\(run.input.path):\(run.id)" : run.id
        }
        // One label given to two files whose runs share ids still repeats a name: the file follows, and a number if
        // even that repeats (the same file under one label twice is left out as duplicates before this).
        for qualify in [
            { (name: String, index: Int) in "\(name) (\(runs[index].input.path))" }, { "\($0) #\($1 + 1)" },
        ] {
            var counts: [String: Int] = [:]
            for name in names { counts[name, default: 0] += 1 }
            for index in names.indices where counts[names[index], default: 0] > 1 {
                names[index] = qualify(names[index], index)
            }
        }
        return names
    }
}
