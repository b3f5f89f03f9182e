/// The damaged traces of `Tests/NormScopeCLITests/Fixtures/damaged` (its README says what is wrong with each), for
/// the tests of the library that reads them as much as for the commands'.
public enum DamagedFixtures {
    /// The folder that holds them.
    public static let folder = MarkdownBlock.repositoryRoot + "/Tests/NormScopeCLITests/Fixtures/damaged"

    /// The path of the fixture `name` (`attribute-iteration.h5`).
    public static func path(_ name: String) -> String { folder + "/" + name }
}
