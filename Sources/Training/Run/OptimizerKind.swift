import Recording

// The optimizer settings' words are declared with the trace format (Recording).
extension OptimizerKind: SettingChoice {}
extension ScheduleKind: SettingChoice {}
