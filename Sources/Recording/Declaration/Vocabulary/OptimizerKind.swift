/// The `optimizer` setting.
public enum OptimizerKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Adam with `weight_decay` as L2 regularization (added to the gradient).
    case adam
    /// Adam with `weight_decay` decoupled from the gradient (Loshchilov & Hutter's AdamW).
    case adamw
    /// SGD with `momentum`.
    case sgd

    public var description: String { rawValue }
}

/// The `schedule` setting: how the learning rate decays after its linear warm-up.
public enum ScheduleKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The peak rate throughout.
    case constant
    /// The peak rate × √(warmup / step) after the warm-up (needs `warmup` ≥ 1).
    case inverseSqrt = "inverse-sqrt"
    /// A half cosine from the peak to 0 over the run's steps.
    case cosine

    public var description: String { rawValue }
}
