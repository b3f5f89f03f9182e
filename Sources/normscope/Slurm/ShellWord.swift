/// `text` as one word that a POSIX shell reads back unchanged: bare when it holds only characters no shell gives a
/// meaning (so the usual paths stay readable in a generated script), otherwise in single quotes, where nothing is
/// special but the single quote itself, written `'\''`.
func shellWord(_ text: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+,:@%=")
    if !text.isEmpty, text.allSatisfy(plain.contains), text.first != "=" { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
