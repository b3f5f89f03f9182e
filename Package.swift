// swift-tools-version: 6.1
import PackageDescription

// The layers are generic over Float and Double; without cross-module optimization a `Linear<Float>` built in
// Training runs Layers' unspecialized code (every element-wise operation through witness tables, ~20× slower).
let crossModuleOptimization: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "normscope",
    products: [
        // MARK: - Public API
        .executable(name: "normscope", targets: ["normscope"]),
        .library(
            name: "NormScope",
            targets: ["HDF5", "Tensors", "Layers", "Recording", "Training", "Analysis"]
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
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // MARK: - Library modules (dependencies point down the data flow only)
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "Tensors", dependencies: ["CBLAS"], swiftSettings: crossModuleOptimization),
        .target(name: "Layers", dependencies: ["Tensors"], swiftSettings: crossModuleOptimization),
        .target(name: "Recording", dependencies: ["HDF5", "Tensors"]),
        .target(
            name: "Training",
            dependencies: ["Layers", "Recording", "CZlib"],
            exclude: ["Resources/DATASETS.md"],
            resources: [.copy("Resources/digits.csv.gz"), .copy("Resources/devils-dictionary.txt.gz")],
            swiftSettings: crossModuleOptimization
        ),
        .target(name: "Analysis", dependencies: ["HDF5", "Recording", "Tensors"]),

        // MARK: - Command-line tool
        .executableTarget(
            name: "normscope",
            dependencies: [
                "Training", "Analysis", "Recording", "HDF5", "Tensors", "Layers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Implementation details
        .target(name: "TestSupport", dependencies: ["Tensors", "HDF5"]),

        // MARK: - Unit test bundles (one per module)
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
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Recording", "HDF5", "TestSupport"]),
        .testTarget(
            name: "NormScopeCLITests", dependencies: ["TestSupport", "Recording", "HDF5"],
            // Damaged traces that crash HDF5 1.10, read through #filePath.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
