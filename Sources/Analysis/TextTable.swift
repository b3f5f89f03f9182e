/// `text` left-aligned in a column `width` characters wide (one space after it when it is wider): how the
/// terminal tables of `normscope analyze` line up.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
