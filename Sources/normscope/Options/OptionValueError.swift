/// A bad option value: one line on standard error (`Error: --steps -5: must be a positive whole number`) and exit
/// status 1. ArgumentParser's `ValidationError` would add the usage text and exit 64; a user who typed one wrong
/// number needs the one line that names it.
struct OptionValueError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
