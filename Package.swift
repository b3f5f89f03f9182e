// swift-tools-version: 6.1
import PackageDescription

// No unsafe flags, on purpose: SwiftPM refuses a package whose targets carry them as a dependency required by
// version ("the target 'Tensors' in product 'NormScope' contains unsafe build flags"), so no other package could
// depend on a tagged NormScope. PackageDescription (6.3) has no safe setting for cross-module optimization, and the
// compiler's own conservative one in release builds covers very small functions only; so the speed that
// `-cross-module-optimization` gave comes from annotations on the generic hot paths instead: `@inlinable` on
// Tensors' `Matrix` and small generic helpers, `@_specialize(where Scalar == Float)` (and Double) on the generic
// entry points of the layers, optimizers and models that other modules call.

let package = Package(
    name: "normscope",
    products: [
        // MARK: - Public API
        .executable(name: "normscope", targets: ["normscope"]),
        // `import NormScope` brings every library module; each can also be imported alone.
        .library(
            name: "NormScope",
            targets: [
                "NormScope", "OutputFiles", "HDF5", "Tensors", "Layers", "Recording", "Training", "DamagedFiles",
                "Charts", "Analysis",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // MARK: - C libraries (system)
        // Debian ships both .pc names for the serial HDF5 build; trying both also covers distros that only have one.
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5 hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Debian 12's libdeflate-dev has no .pc file; the module map links it by name.
        .systemLibrary(
            name: "CDeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // MARK: - Library modules (dependencies point down the data flow only)
        // The output contract of every command that writes: checked destinations, written aside, renamed whole.
        .target(name: "OutputFiles"),
        // The wrapper of libhdf5: files, groups, datasets, attributes, the chunk codec, the checks made before each
        // read, and the compaction of a closed file (a copy made object by object with libhdf5). An `AccessGuard` a
        // file is opened with refuses objects before they reach libhdf5; who decides is DamagedFiles' business.
        .target(name: "HDF5", dependencies: ["CHDF5", "CDeflate"]),
        .target(name: "Tensors", dependencies: ["CBLAS"]),
        .target(name: "Layers", dependencies: ["Tensors"]),
        .target(name: "Recording", dependencies: ["HDF5", "Tensors", "Layers", "OutputFiles"]),
        .target(
            name: "Training",
            dependencies: ["Layers", "Recording", "CZlib"],
            exclude: ["Resources/DATASETS.md"],
            resources: [.copy("Resources/digits.csv.gz"), .copy("Resources/devils-dictionary.txt.gz")]
        ),
        // The damage probe: a forked child walks a file first, and what crashes or hangs HDF5 there is kept away
        // from it here (the `Quarantine` a `ProbedFile` opens the file with). Analysis opens traces only through it.
        .target(name: "DamagedFiles", dependencies: ["HDF5", "Recording"]),
        // SVG line charts and heat maps, their axes, palette and markers: no trace in sight.
        .target(name: "Charts"),
        .target(
            name: "Analysis",
            dependencies: ["HDF5", "Recording", "Tensors", "Layers", "OutputFiles", "DamagedFiles", "Charts"]),

        // MARK: - The library's umbrella module (one file of @_exported imports)
        .target(
            name: "NormScope",
            dependencies: [
                "OutputFiles", "HDF5", "Tensors", "Layers", "Recording", "Training", "DamagedFiles", "Charts",
                "Analysis",
            ]),

        // MARK: - Command-line tool
        // The benchmarks behind `normscope bench`: a part of the tool, not of the library product, so a package that
        // depends on NormScope builds none of them.
        .target(name: "Benchmarks", dependencies: ["Training", "Analysis", "Recording", "HDF5", "Tensors", "Layers"]),
        .executableTarget(
            name: "normscope",
            dependencies: [
                "Benchmarks", "Training", "Analysis", "Charts", "Recording", "HDF5", "Tensors", "Layers", "OutputFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Implementation details
        .target(name: "TestSupport", dependencies: ["Tensors", "HDF5"]),

        // MARK: - Unit test bundles (one per module)
        .testTarget(name: "OutputFilesTests", dependencies: ["OutputFiles", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(
            name: "LayersTests",
            dependencies: ["Layers", "Tensors", "TestSupport"],
            // Golden NumPy fixtures and the script that made them, read through #filePath.
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "HDF5", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Layers", "Tensors", "TestSupport"]),
        .testTarget(name: "DamagedFilesTests", dependencies: ["DamagedFiles", "HDF5", "TestSupport"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts", "TestSupport"]),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "Charts", "DamagedFiles", "OutputFiles", "Recording", "HDF5", "TestSupport"]),
        .testTarget(
            name: "BenchmarksTests",
            dependencies: ["Benchmarks", "Analysis", "Training", "Recording", "HDF5", "Tensors", "TestSupport"]
        ),
        // The library product: the umbrella module, and a consumer package built against a tagged snapshot.
        .testTarget(name: "NormScopeTests", dependencies: ["NormScope", "TestSupport"]),
        .testTarget(
            name: "NormScopeCLITests", dependencies: ["TestSupport", "Recording", "HDF5", "Tensors"],
            // Damaged traces that crash HDF5 1.10, read through #filePath.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
