import ArgumentParser
import Recording
import Training

// An option that takes one word of a setting's fixed set is parsed as the setting's enum: ArgumentParser shows the
// words in the help (`values: mlp, transformer, char-lm`) and refuses any other in one line that names the option
// and lists them (`OptionParseError`), before the command runs.
extension ModelKind: ExpressibleByArgument {}
