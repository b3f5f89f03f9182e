/// An option's value under its name or under the older name it replaced (`report --output`, `export --csv`), which
/// keeps working for scripts written before but is not shown in the help. ArgumentParser cannot hide one name of
/// an option, so the older name is an option of its own, and the two are joined here.
enum RenamedOption {
    /// The value given under either name; giving both is one line of error, since one of them would be ignored.
    static func value(_ current: (name: String, value: String?), formerly old: (name: String, value: String?)) throws
        -> String?
    {
        if let given = current.value, let other = old.value {
            throw OptionValueError(
                "\(current.name) \(given) and \(old.name) \(other): \(old.name) is the former name of \(current.name); "
                    + "give one")
        }
        return current.value ?? old.value
    }
}
