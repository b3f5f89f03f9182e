import HDF5
import Layers
import Recording

/// The attributes of a run group that the analysis depends on, each read with its documented type and range; a
/// missing, mistyped or impossible one is recorded as damage instead of being replaced by a silent default.
struct RunAttributes {
    var preset: String
    var seed: Int64
    var status: RecordedStatus
    var completedSteps: Int64
    var divergedStep: Int64
    /// What the normalization detaches and adds, when every `norm_*` setting it needs was readable and valid.
    var normalization: NormalizationSettings?
    /// The data's prior loss (`prior_loss`), when recorded and a finite positive loss.
    var priorLoss: Double?
    var damage: [DamagedObject] = []

    /// Rows the run's per-step tables (`steps`, each `grad`) must have, from its status; nil while it is still
    /// running (or its recorder was killed), when only the tables themselves say how far it got.
    var expectedStepRows: ClosedRange<Int64>? {
        // A damaged count (already listed) says nothing about the tables.
        guard completedSteps >= 0 else { return nil }
        return switch status {
        case .known(.completed): completedSteps...completedSteps
        // The step whose loss was not finite is recorded too.
        case .known(.diverged): divergedStep >= 0 ? (divergedStep + 1)...(divergedStep + 1) : nil
        // A run stopped by a signal may or may not have recorded the step it was in.
        case .known(.interrupted): completedSteps...(completedSteps + 1)
        default: nil
        }
    }

    init(
        group: Group, id: String, file: String, settings: [String: SettingValue],
        formatVersion: Int64 = TraceFormat.version
    ) {
        var checked = CheckedAttributes(group: group, file: file, formatVersion: formatVersion)
        func note(_ name: String, _ problem: String) { checked.note(name, problem) }
        func string(_ name: String) -> String? { checked.string(name) }
        func integer(_ name: String, _ range: ClosedRange<Int64>) -> Int64? { checked.integer(name, range) }
        preset = string("preset") ?? settings["preset"]?.description ?? id
        // Seeds are written as non-negative integers; beyond 2⁵³ a JSON reader cannot hold one exactly.
        seed = integer("seed", 0...(1 << 53)) ?? -1
        status = .unknown
        if let word = string(TraceFormat.Names.status) {
            if let known = RunStatus(rawValue: word) {
                status = .known(known)
            } else {
                let statuses = RunStatus.allCases.map(\.rawValue)
                note(TraceFormat.Names.status, "= '\(word)' (expected \(statuses.joined(separator: ", ")))")
            }
        }
        // 10¹² steps is far beyond any run; a larger count is a damaged number, not a long run.
        completedSteps = integer(TraceFormat.Names.completedSteps, 0...1_000_000_000_000) ?? -1
        divergedStep = integer(TraceFormat.Names.divergedStep, -1...1_000_000_000_000) ?? -1
        if status == .diverged, divergedStep < 0, completedSteps >= 0 {
            note(TraceFormat.Names.divergedStep, "= -1 for a run whose status is diverged")
        }
        normalization = Self.normalization(&checked)
        priorLoss = Self.priorLoss(&checked)
        damage = checked.damage
    }

    /// Absent in traces of earlier recorders (nil, not damage); a present one that is no finite positive loss
    /// cannot be right and would count runs stalled that are not.
    private static func priorLoss(_ checked: inout CheckedAttributes) -> Double? {
        let name = TraceFormat.Names.priorLoss
        guard checked.has(name), let value = checked.real(name) else { return nil }
        guard value.isFinite, value > 0 else {
            checked.note(name, "= \(value) (expected a finite positive loss)")
            return nil
        }
        return value
    }

    /// The normalization settings decide which identities of Theorem 1 a run is held to: a damaged one would turn
    /// a holding identity into a reported failure, so each present one must be a value it can have, and any
    /// damaged one leaves the run without settings (and without Theorem 1 checks). Nil too when the first four are
    /// not recorded.
    private static func normalization(_ checked: inout CheckedAttributes) -> NormalizationSettings? {
        let before = checked.damage.count
        func flag(_ name: String) -> Bool? { checked.has(name) ? checked.flag(name) : nil }
        /// A setting with a declared vocabulary (TraceFormat.settings): any other value is damage.
        func choice(_ name: String) -> String? {
            guard checked.has(name), let value = checked.string(name) else { return nil }
            if let refusal = TraceFormat.setting(name)?.refusal(of: value) {
                checked.note(name, refusal)
                return nil
            }
            return value
        }
        let normalizes = flag("norm_normalizes")
        let detachMean = flag("norm_detach_mean")
        let detachStd = flag("norm_detach_std")
        let centering = choice("norm_centering").flatMap(Centering.init(rawValue:))
        let adaptive = choice("norm_adaptive").flatMap(AdaptiveKind.init(rawValue:))
        let scale = checked.has("norm_adanorm_scale") ? checked.real("norm_adanorm_scale") : nil
        guard checked.damage.count == before, let normalizes, let centering, let detachMean, let detachStd else {
            return nil
        }
        return NormalizationSettings(
            normalizes: normalizes, centering: centering, detachMean: detachMean, detachStandardDeviation: detachStd,
            adaptive: adaptive ?? .none, scale: scale)
    }
}
