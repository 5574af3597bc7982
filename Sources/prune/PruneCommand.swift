import ArgumentParser
import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning

/// `prune prune`: one LLM-Rank pruning run (calibrate, score, prune, shrink, evaluate, save).
struct PruneModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Score and prune a model's feed-forward rows, then evaluate and save it.")

    @Option(help: "A .gguf model file or a Hugging Face model folder.")
    var model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Calibration data: a .json list of token-id windows, a .jsonl file of {\"text\": ...} documents, or a text file.")
    var calib: String?

    @Option(help: "The list of blocks.")
    var layers = "model.layers"

    @Option(help: "The modules whose output rows are pruned, in order (LLM-Rank's chain), or a unit structure: mlp.neurons (whole FFN neurons; so does a lone mlp.up_proj), attention.heads, blocks, or a mix such as \"mlp.neurons + attention.heads + blocks\" (scorer contribution, pruner budget).")
    var chain = "mlp.up_proj -> mlp.down_proj"

    @Option(help: "isolated (each block's chain alone) or chained (all blocks' chains as one MLP).")
    var pipeline = "chained"

    @Option(help: "norm(p: 1), random(seed: 0), activation, wanda, wpr(gamma: 0, theta: 0.5), mpr(z_importance: false, amount: 0.3); for whole neurons also neuron_norm, neuron_output, fluctuation, obs(ridge: 0.001, greedy: false, relative: none); for attention.heads head_norm, head_output, head_fluctuation, head_rank(gamma: 0.5, theta: 1); for blocks block_influence, angular_distance; for a mix (--chain \"mlp.neurons + attention.heads\") contribution.")
    var scorer = "wpr"

    @Option(help: "local, global (optionally global(balance: width), global(spread: 0.5) to keep each block's share within 0.5x-1.5x the amount, local(spare_first: 2, spare_last: 1) or the same on global to leave the end blocks whole and prune the others more, keeping the model-wide amount, or with --chain mlp.neurons, --pipeline chained and scorer obs global(scores: raw) to rank the scorer's own costs across blocks), or budget (a share of the blocks' parameters, for unit structures; budget(per_block: true) on a mix).")
    var pruner = "local"

    @Option(help: "Refit the pruned model: least_squares(ridge: 0.001, bias: true, sequential: false, target: model, reselect: false, attention: false, attention_ridge: 1), bias, or none.")
    var reconstruct = "none"

    @Option(help: "Share of rows to remove, in [0, 1).")
    var amount: Double = 0.3

    @Option(help: "Calibration windows to sample.")
    var calibSamples = 64

    @Option(help: "Tokens per calibration and evaluation window.")
    var seqlen = 512

    @Option(help: "Calibration sampling seed.")
    var seed = 42

    @Option(help: "A text to measure the pruned model's perplexity on.")
    var eval: String?

    @Option(help: "Evaluate only the first N windows.")
    var maxWindows: Int?

    @Option(help: "Write the pruned model: a .gguf file (with a .pruning.json record beside it) or, for any other path, a Hugging Face folder (with pruning.json inside).")
    var save: String?

    @Option(help: "How --save stores the weight matrices: f32, f16, bf16, or (in a .gguf) llama.cpp's q8_0, q4_0, q4_1; a matrix whose rows are not a multiple of 32 values falls back to f16; norms stay f32.")
    var saveDtype = "f32"

    @Option(help: "Where calibration statistics are cached (default: $PRUNE_CACHE_DIR or ~/.cache/prune).")
    var cacheDir: String?

    @Option(help: "f32 (the default) or bf16: bfloat16 weights and matrix-product inputs, Float32 sums, norms, softmax and NLL.")
    var precision = "f32"

    @Flag(help: "Print one JSON object instead of a summary.")
    var json = false

    func validate() throws {
        guard Precision(rawValue: precision) != nil else {
            throw ValidationError("--precision must be one of \(Precision.names.joined(separator: ", ")), got \(precision)")
        }
        guard (0..<1).contains(amount) else { throw ValidationError("--amount must lie in [0, 1), got \(amount)") }
        guard seqlen >= 2 else { throw ValidationError("--seqlen must be at least 2 (got \(seqlen))") }
        guard calibSamples >= 1 else { throw ValidationError("--calib-samples must be at least 1 (got \(calibSamples))") }
        if let m = maxWindows, m < 1 { throw ValidationError("--max-windows must be at least 1 (got \(m))") }
        guard Pipeline(rawValue: pipeline) != nil else {
            throw ValidationError("--pipeline must be isolated or chained, got \(pipeline)")
        }
        guard let dtype = ModelExport.DType.named(saveDtype) else {
            throw ValidationError("--save-dtype must be one of \(ModelExport.DType.all.map(\.name).joined(separator: ", ")) (got \(saveDtype))")
        }
        if let save {
            do { try ModelExport.check(dtype, path: save) } catch { throw ValidationError("--save-dtype \(saveDtype): \(error)") }
        }
    }

    func run() throws {
        try reportingErrors {
            var request = PruneRequest(modelPath: model)
            request.calibration = calib.map { CalibrationSpec(path: $0, samples: calibSamples, seqlen: seqlen, seed: seed) }
            request.structure = PruningStructure(layersPath: layers, chain: try PruningStructure.parseChain(chain))
            request.pipeline = Pipeline(rawValue: pipeline)!
            request.scorer = try ComponentSpec.parse(scorer)
            request.pruner = try ComponentSpec.parse(pruner)
            request.reconstruction = reconstruct == "none" ? nil : try ComponentSpec.parse(reconstruct)
            request.amount = amount
            request.precision = Precision(rawValue: precision)!
            request.evaluationText = eval
            request.evaluation = PerplexityProtocol(seqlen: seqlen, maxWindows: maxWindows)
            request.savePath = save
            request.saveDType = ModelExport.DType.named(saveDtype)!
            request.cache = StatisticsCache(folder: cacheDir.map { URL(fileURLWithPath: $0) } ?? StatisticsCache.defaultFolder)
            let bar = StageProgress()
            Interruption.install {
                "nothing was saved" + (save.map { " (\($0) is written only when complete)" } ?? "") + "; statistics cached so far stay cached"
            }
            let report = try PruneJob.run(request, stage: { bar.begin($0.rawValue) }, progress: { bar.update($0, $1) })
            if json {
                print(try JSONOutput.string(report))
            } else {
                print(Summary.text(report))
            }
        }
    }
}

/// A progress bar per stage: calibration and evaluation report window counts.
final class StageProgress: @unchecked Sendable {
    private var current: Progress?
    private let lock = NSLock()

    func begin(_ stage: String) {
        lock.lock()
        current = Progress(stage)
        lock.unlock()
        if !Terminal.stderrIsTTY { Terminal.note("\(stage)...") }
    }

    func update(_ done: Int, _ total: Int) {
        lock.lock()
        let bar = current
        lock.unlock()
        bar?.update(done, total)
    }
}

enum Summary {
    static func text(_ r: PruneReport) -> String {
        func mb(_ n: Int) -> String { String(format: "%.1fM", Double(n) / 1e6) }
        var lines = [
            "model        \(r.model)",
            "pruning      \(r.scorer), \(r.pruner), \(r.pipeline), amount \(r.amount) of \(r.structure)"
                + (r.reconstruction.map { ", refit by \($0)" } ?? "") + (r.precision.map { ", in \($0)" } ?? ""),
            "calibration  " + (r.calibrationTokensSHA256 == nil ? "none needed" : (r.calibrationCached ? "statistics from cache" : "computed and cached")),
            "parameters   \(mb(r.paramsTotal)) dense, \(mb(r.paramsNonzero)) non-zero, \(mb(r.paramsStored)) stored after shrinking (removed down_proj rows are stored as zeros)",
            "ffn widths   \(Set(r.ffnWidths).count == 1 ? "\(r.ffnWidths[0]) in every layer" : r.ffnWidths.map(String.init).joined(separator: " "))",
        ]
        if let p = r.perplexity {
            lines.append(String(format: "perplexity   %.4f over %d windows (%d predicted tokens)", p.ppl, p.windows, p.predictedTokens))
        }
        let t = r.timings
        lines.append(String(format: "time         load %.1f s, calibration %.1f s, scoring %.2f s, pruning %.2f s, evaluation %.1f s",
                            t.load, t.calibration, t.scoring, t.pruning, t.evaluation)
                     + (t.reconstruction.map { String(format: ", reconstruction %.1f s", $0) } ?? ""))
        if let s = r.saved {
            let record = s.hasSuffix(".gguf") ? "and its .pruning.json" : "with pruning.json inside"
            lines.append("saved        \(s) (\(record))")
            if let dtype = r.savedDType, let n = r.savedParameters {
                lines.append("             \(dtype), \(mb(n)) parameters" + (r.savedBytes.map { String(format: ", %.1f MB", Double($0) / 1e6) } ?? ""))
            }
            if let note = r.savedNote { lines.append("             \(note)") }
            if let width = r.savedPaddedTo {
                lines.append("             layers differ in FFN width; the Hugging Face folder pads each to \(width) with zero neurons (exact; a .gguf file keeps the exact widths)")
            }
        }
        lines.append(String(format: "peak RSS     %.0f MB", r.peakRSSMB))
        return lines.joined(separator: "\n")
    }
}
