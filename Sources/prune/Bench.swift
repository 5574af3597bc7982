import ArgumentParser
import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning
import Tensor

/// `prune bench`: speed and memory measured in one run, so ratios between rows are meaningful on a
/// noisy machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure GEMM (OpenBLAS, oneDNN f32 and bf16) and forward-pass speed and peak memory.")

    @Option(help: "A .gguf model file or a Hugging Face model folder.")
    var model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Tokens per window.")
    var seqlen = 512

    @Option(help: "Windows per forward-pass measurement (spread over the cores).")
    var windows = 4

    @Option(help: "A text to time the tokenizer on (skipped when the file is absent).")
    var text = "data/eval.txt"

    @Option(parsing: .upToNextOption, help: "Pruning amounts to time shrunk models at.")
    var amounts: [Double] = [0.3, 0.5]

    @Flag(help: "Only the steps of one pruning run, each timed once (for models of a paper's size): load, one calibration window, pruning 30 %, one evaluation window, peak RSS.")
    var scale = false

    @Option(help: "With --scale: f32 (the default) or bf16, the precision the pruning run computes in.")
    var precision = "f32"

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard Precision(rawValue: precision) != nil else {
            throw ValidationError("--precision must be one of \(Precision.names.joined(separator: ", ")), got \(precision)")
        }
        // Upper bounds too: both size buffers allocated before anything is measured.
        guard (2...65536).contains(seqlen) else { throw ValidationError("--seqlen must lie in 2...65536 (got \(seqlen))") }
        guard (1...4096).contains(windows) else { throw ValidationError("--windows must lie in 1...4096 (got \(windows))") }
        for a in amounts where !(0..<1).contains(a) { throw ValidationError("--amounts must lie in [0, 1), got \(a)") }
    }

    func run() throws {
        try reportingErrors {
            let bundle = try ModelBundle.load(path: model)
            let m = bundle.model
            var rows: [(String, String)] = []
            var out: [String: Double] = [:]
            if scale {
                let storedBytes = ParameterCount.storedBytes(m)
                out = try ScaleBench.measure(m.computing(Precision(rawValue: precision)!), tokens: seqlen)
                out["scale_load_seconds"] = bundle.loadSeconds
                out["scale_weight_mb"] = Double(storedBytes) / 1e6
                out["peak_rss_mb"] = ProcessMemory.peakResidentMB
                rows = [("load", String(format: "%.2f s (%.0f MB of weights as stored; %@ products)", bundle.loadSeconds, Double(storedBytes) / 1e6, precision)),
                        ("calibration", String(format: "%.2f s for one window of %d tokens", out["scale_calibration_window_seconds"]!, seqlen)),
                        ("prune 30 %", String(format: "%.2f s (norm, chained, local, shrunk: %.0fM of %.0fM parameters stored)",
                                              out["scale_prune_seconds"]!, out["scale_shrunk_params_stored"]! / 1e6, out["scale_params_stored"]! / 1e6)),
                        ("evaluation", String(format: "%.2f s for one window", out["scale_evaluation_window_seconds"]!)),
                        ("peak RSS", String(format: "%.0f MB", ProcessMemory.peakResidentMB))]
                if json { print(try JSONOutput.string(out)) } else { for (k, v) in rows { print("\(k.padding(toLength: 17, withPad: " ", startingAt: 0)) \(v)") } }
                return
            }

            // The GEMM paths and the forward pass through each, in one run, so their ratios hold on a
            // noisy machine.
            var gemm: [GemmBench.Library: GemmBench.Result] = [:]
            func record(_ library: GemmBench.Library, _ r: GemmBench.Result) {
                gemm[library] = r
                out["\(library.rawValue)_gflops"] = r.gflops
                out["\(library.rawValue)_gflops_one_call_two_threads"] = r.sharedCall
                out["\(library.rawValue)_gflops_two_calls_one_thread"] = r.perCore
                rows.append((library.rawValue, String(format: "%.1f GFLOP/s on the model's shapes (%.1f: one call on %d threads; %.1f: one call per core)",
                                                      r.gflops, r.sharedCall, Parallel.cores, r.perCore)))
            }
            for library in GemmBench.Library.allCases where library != .oneDNNf32Packed {
                record(library, GemmBench.measure(library, config: m.config, tokens: seqlen))
            }
            let sgemm = gemm[.sgemm]!, plainF32 = max(sgemm.gflops, gemm[.oneDNNf32]!.gflops)

            // The forward pass and the ceiling it is held to (the packed GEMM: the forward pass packs its
            // weights too), measured alternately in five rounds: a shared machine drifts over the minute
            // a run takes, and a ceiling caught in a quiet second against a forward pass in a busy one (or
            // the reverse) measures the neighbours. The figures quoted are the median round's (single
            // rounds spread over 0.88-0.97 on one busy day: three rounds' median still moved by 0.04).
            let f32Model = m.computing(.f32)
            let rounds = (0..<5).map { _ in
                (packed: GemmBench.measure(.oneDNNf32Packed, config: m.config, tokens: seqlen),
                 forward: ForwardBench.measure(f32Model, tokens: seqlen, windows: windows))
            }
            func ratio(_ r: (packed: GemmBench.Result, forward: ForwardBench.Result)) -> Double {
                r.forward.gflops / max(plainF32, r.packed.gflops)
            }
            let ranked = rounds.sorted { ratio($0) < ratio($1) }
            let median = ranked[ranked.count / 2], forward = median.forward, bestF32 = max(plainF32, median.packed.gflops)
            record(.oneDNNf32Packed, median.packed)
            out["forward_gflops"] = forward.gflops
            out["forward_tokens_per_second"] = forward.tokensPerSecond
            out["forward_to_sgemm"] = forward.gflops / sgemm.gflops
            out["forward_to_best_f32_gemm"] = ratio(median)
            out["forward_to_best_f32_gemm_lowest_round"] = ratio(ranked.first!)
            out["forward_to_best_f32_gemm_highest_round"] = ratio(ranked.last!)
            out["forward_to_plain_f32_gemm"] = forward.gflops / plainF32
            rows.append(("forward", String(format: "%.0f tokens/s, %.1f GFLOP/s (f32 through %@, the default; %d windows of %d tokens with logits and NLL, %.2f s; the median of %d rounds)",
                                           forward.tokensPerSecond, forward.gflops, f32Model.backend.rawValue, windows, seqlen, forward.seconds, rounds.count)))
            rows.append(("forward/gemm", String(format: "%.1f %% of the best f32 GEMM (packed weights; rounds %.1f-%.1f %%), %.1f %% of the best on weights as stored, %.1f %% of sgemm",
                                                100 * forward.gflops / bestF32, 100 * out["forward_to_best_f32_gemm_lowest_round"]!,
                                                100 * out["forward_to_best_f32_gemm_highest_round"]!, 100 * forward.gflops / plainF32, 100 * forward.gflops / sgemm.gflops)))
            for backend in GemmBackend.allCases {
                let r = ForwardBench.measure(m.computing(.f32, backend: backend), tokens: seqlen, windows: windows)
                out["forward_\(backend.rawValue)_tokens_per_second"] = r.tokensPerSecond
                rows.append(("forward \(backend.rawValue)", String(format: "%.0f tokens/s, %.1f GFLOP/s (f32)", r.tokensPerSecond, r.gflops)))
            }
            let bf16 = ForwardBench.measure(m.computing(.bf16), tokens: seqlen, windows: windows)
            out["bf16_forward_tokens_per_second"] = bf16.tokensPerSecond
            out["bf16_forward_gflops"] = bf16.gflops
            out["bf16_forward_to_onednn_bf16"] = bf16.gflops / gemm[.oneDNNbf16]!.gflops
            rows.append(("forward bf16", String(format: "%.0f tokens/s, %.1f GFLOP/s (%.1f %% of oneDNN's bf16 GEMM)",
                                                bf16.tokensPerSecond, bf16.gflops, 100 * bf16.gflops / gemm[.oneDNNbf16]!.gflops)))

            // Pruned models: FFN rows chosen by the norm scorer (no calibration needed), chained, local.
            for amount in amounts {
                let removed = try ShrinkBench.rows(m, amount: amount)
                let masked = ForwardBench.measure(ApplyPruning.masked(m, removing: removed), tokens: seqlen, windows: windows)
                let shrunkModel = ApplyPruning.shrunk(m, removing: removed)
                let shrunk = ForwardBench.measure(shrunkModel, tokens: seqlen, windows: windows)
                let key = String(format: "%.1f", amount)
                out["masked_\(key)_tokens_per_second"] = masked.tokensPerSecond
                out["shrunk_\(key)_tokens_per_second"] = shrunk.tokensPerSecond
                out["shrunk_\(key)_speedup"] = shrunk.tokensPerSecond / forward.tokensPerSecond
                out["shrunk_\(key)_params_stored"] = Double(ParameterCount.stored(shrunkModel))
                rows.append(("pruned \(key)", String(format: "masked %.0f tokens/s, shrunk %.0f tokens/s: %.2fx the dense speed, %.1fM parameters stored",
                                                     masked.tokensPerSecond, shrunk.tokensPerSecond,
                                                     shrunk.tokensPerSecond / forward.tokensPerSecond,
                                                     Double(ParameterCount.stored(shrunkModel)) / 1e6)))
            }

            // At least 16 windows: over 4, the layer-wise pass's per-block set-up (30 hand-overs between
            // the workers, a Gram allocated and mirrored per block) weighs as much as the products.
            let gramWindows = max(windows, 16)
            let gram = try GramBench.measure(m, tokens: seqlen, windows: gramWindows)
            out["gram_windows"] = Double(gramWindows)
            out["gram_block_mb"] = gram.perBlockMB
            out["gram_all_blocks_mb"] = gram.allBlocksMB
            out["calibration_seconds"] = gram.plainSeconds
            out["calibration_with_grams_seconds"] = gram.layerwiseSeconds
            out["gram_overhead"] = gram.layerwiseSeconds / gram.plainSeconds - 1
            out["least_squares_block_solve_seconds"] = gram.solveSeconds
            rows.append(("gram memory", String(format: "%.1f MB per block in Float64, %.0f MB for all blocks; the layer-wise pass holds one block's (one per worker while it runs) and the cache keeps the rest on disk (lower triangles, half of that)",
                                               gram.perBlockMB, gram.allBlocksMB)))
            rows.append(("gram cost", String(format: "calibration %.2f s plain, %.2f s with Gram matrices (+%.0f %%), %d windows; one block's least-squares solve %.3f s",
                                             gram.plainSeconds, gram.layerwiseSeconds, 100 * (gram.layerwiseSeconds / gram.plainSeconds - 1), gramWindows, gram.solveSeconds)))

            if FileManager.default.fileExists(atPath: text), let content = try? TextFile.read(text) {
                let start = Date()
                let ids = bundle.tokenizer.encode(content)
                let seconds = Date().timeIntervalSince(start)
                out["tokenizer_seconds"] = seconds
                out["tokenizer_tokens_per_second"] = Double(ids.count) / seconds
                rows.append(("tokenizer", String(format: "%@: %d tokens in %.3f s", text, ids.count, seconds)))
            }
            out["load_seconds"] = bundle.loadSeconds
            rows.append(("load", String(format: "%.2f s", bundle.loadSeconds)))
            out["peak_rss_mb"] = ProcessMemory.peakResidentMB
            rows.append(("peak RSS", String(format: "%.0f MB", ProcessMemory.peakResidentMB)))

            if json {
                print(try JSONOutput.string(out))
            } else {
                for (k, v) in rows { print("\(k.padding(toLength: 17, withPad: " ", startingAt: 0)) \(v)") }
            }
        }
    }
}
