import ArgumentParser

extension NormScope {
    /// ArgumentParser's refusal of a command line — a word that is not one of an option's values, a number that is
    /// none, a missing or unknown option, a `ValidationError` — as the one line every user's mistake gets: its
    /// message without the help and usage lines ArgumentParser appends, exit 1 (``OptionValueError``):
    ///
    ///     Error: The value 'gpt' is invalid for '--model <model>'. Please provide one of 'mlp', 'char-lm' or 'both'.
    ///
    /// Help, `--version` and every other error are left as they are.
    static func oneLine(_ error: any Error) -> any Error {
        guard exitCode(for: error) == .validationFailure else { return error }
        return OptionValueError(message(for: error))
    }
}
