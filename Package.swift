// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "prune",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "prune", targets: ["prune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // OpenBLAS's C interface, found through pkg-config.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // oneDNN's C interface (matmul primitives, float32 and bfloat16); Debian ships no pkg-config file.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Vectorised element-wise loops (exp, softmax, norms) in C, built for AVX2 with a baseline fallback.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // Float32 and bfloat16 matrices, BLAS and oneDNN calls and the element-wise kernels of the forward pass.
        .target(name: "Tensor", dependencies: ["CBLAS", "CDNNL", "CKernels"]),
        // Model files: GGUF reading, dequantization, tensor naming.
        .target(name: "ModelIO", dependencies: ["Tensor", .product(name: "Crypto", package: "swift-crypto")]),
        // Byte-level BPE tokenizers built from model metadata.
        .target(name: "Tokenizers", dependencies: ["ModelIO"]),
        // The LLaMA architecture: configuration, weights, forward pass, activation statistics.
        .target(name: "Llama", dependencies: ["Tensor", "ModelIO", "Tokenizers"]),
        // Perplexity under a stated protocol.
        .target(name: "Evaluation", dependencies: ["Llama", "Tokenizers"]),
        // LLM-Rank pruning: structure, calibration, scorers, pruners, pipelines, masking, shrinking, saving.
        .target(name: "Pruning", dependencies: ["Tensor", "ModelIO", "Tokenizers", "Llama", "Evaluation"]),
        // The .prune language: scanner, parser, checker with diagnostics, planner, interpreter, results store.
        .target(name: "Script", dependencies: ["Pruning", "Llama", "ModelIO", "Evaluation", "Tensor"]),
        // gnuplot figures and Markdown reports from stored results.
        .target(name: "Reporting", dependencies: ["Script", "Pruning", "Evaluation", "ModelIO"]),
        // The command-line tool: argument parsing and printing only.
        .executableTarget(
            name: "prune",
            dependencies: [
                "Tensor", "ModelIO", "Tokenizers", "Llama", "Evaluation", "Pruning", "Script", "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Paths, seeded randomness and tiny random models shared by the test targets.
        .target(name: "TestSupport", dependencies: ["ModelIO"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ModelIOTests", dependencies: ["ModelIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "ModelIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LlamaTests", dependencies: ["Llama", "ModelIO", "Tensor", "Tokenizers", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Llama", "Tokenizers", "ModelIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PruningTests", dependencies: ["Pruning", "Evaluation", "Llama", "ModelIO", "Tensor", "Tokenizers", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScriptTests", dependencies: ["Script", "Pruning", "Llama", "Evaluation", "TestSupport"], resources: [.copy("Scripts")]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Script", "Pruning", "Evaluation", "TestSupport"]),
        .testTarget(name: "PruneCLITests", dependencies: ["ModelIO", "TestSupport"]),
    ]
)
