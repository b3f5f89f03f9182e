import HDF5
import Recording

/// The attributes of a run group that the analysis depends on, each read with its documented type and range; a
/// missing, mistyped or impossible one is recorded as damage instead of being replaced by a silent default.
struct RunAttributes {
    var preset: String
    var seed: Int64
    var status: String
    var completedSteps: Int64
    var divergedStep: Int64
    var damage: [DamagedObject] = []

    /// Rows the run's per-step tables (`steps`, each `grad`) must have, from its status; nil while it is still
    /// running (or its recorder was killed), when only the tables themselves say how far it got.
    var expectedStepRows: ClosedRange<Int64>? {
        // A damaged count (already listed) says nothing about the tables.
        guard completedSteps >= 0 else { return nil }
        return switch status {
        case RunStatus.completed.rawValue: completedSteps...completedSteps
        // The step whose loss was not finite is recorded too.
        case RunStatus.diverged.rawValue: divergedStep >= 0 ? (divergedStep + 1)...(divergedStep + 1) : nil
        // A run stopped by a signal may or may not have recorded the step it was in.
        case RunStatus.interrupted.rawValue: completedSteps...(completedSteps + 1)
        default: nil
        }
    }

    init(group: Group, id: String, file: String, settings: [String: SettingValue]) {
        var checked = CheckedAttributes(group: group, file: file)
        func note(_ name: String, _ problem: String) { checked.note(name, problem) }
        func string(_ name: String) -> String? { checked.string(name) }
        func integer(_ name: String, _ range: ClosedRange<Int64>) -> Int64? { checked.integer(name, range) }
        preset = string("preset") ?? settings["preset"]?.description ?? id
        // Seeds are written as non-negative integers; beyond 2⁵³ a JSON reader cannot hold one exactly.
        seed = integer("seed", 0...(1 << 53)) ?? -1
        let statuses = RunStatus.allCases.map(\.rawValue)
        var status = string(TraceFormat.Names.status) ?? "unknown"
        if status != "unknown", !statuses.contains(status) {
            note(TraceFormat.Names.status, "= '\(status)' (expected \(statuses.joined(separator: ", ")))")
            status = "unknown"
        }
        self.status = status
        // 10¹² steps is far beyond any run; a larger count is a damaged number, not a long run.
        completedSteps = integer(TraceFormat.Names.completedSteps, 0...1_000_000_000_000) ?? -1
        divergedStep = integer(TraceFormat.Names.divergedStep, -1...1_000_000_000_000) ?? -1
        if status == RunStatus.diverged.rawValue, divergedStep < 0, completedSteps >= 0 {
            note(TraceFormat.Names.divergedStep, "= -1 for a run whose status is diverged")
        }
        // The normalization settings decide which identities of Theorem 1 a run is held to: a damaged one would
        // turn a holding identity into a reported failure, so each present one must be a value it can have.
        let choices: [(String, Set<String>)] = [
            ("norm_normalizes", ["true", "false"]), ("norm_detach_mean", ["true", "false"]),
            ("norm_detach_std", ["true", "false"]), ("norm_centering", ["mean", "none"]),
            ("norm_adaptive", ["adanorm", "none"]),
        ]
        for (name, allowed) in choices where checked.has(name) {
            guard let value = string(name) else { continue }
            if !allowed.contains(value) {
                note(name, "= '\(value)' (expected \(allowed.sorted().joined(separator: " or ")))")
            }
        }
        damage = checked.damage
    }

    /// Whether the normalization settings were all readable and valid (`NormalizationSettings` may use them).
    var normalizationIsSound: Bool {
        !damage.contains { $0.object.split(separator: "@").last?.hasPrefix("norm_") == true }
    }
}
