import Foundation
@testable import Llama
import Tensor
import TestSupport
import XCTest

/// BF16 and F16 model files are used as stored: their matrices stay 16-bit, read from the file's memory
/// map (q and k copied once, to undo llama.cpp's row order), and compute against the naive forward on the
/// same values: Float32 products widen them a slice at a time, bf16 products read them directly.
final class InPlaceWeightsTests: XCTestCase {
    /// A tiny model whose every value is representable in `type`, so the file holds it exactly.
    func representable(_ type: WeightType, seed: UInt64, configure: (inout TinyLlama) -> Void = { _ in }) -> TinyLlama {
        var tiny = TinyLlama(seed: seed, configure: configure)
        for (name, t) in tiny.tensors {
            let values = t.values.map { v -> Float in
                type == .bf16 ? Float(bitPattern: Self.bf16Bits(v) << 16) : Float(Float16(v))
            }
            tiny.tensors[name] = (t.rows, t.columns, values)
        }
        return tiny
    }

    /// Round to nearest even on the top 16 bits, written here independently of the library.
    static func bf16Bits(_ v: Float) -> UInt32 {
        let b = v.bitPattern
        let lower = b & 0xFFFF, upper = b >> 16
        return lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1) ? upper + 1 : upper
    }

    func load(_ tiny: TinyLlama, _ type: WeightType) throws -> LlamaModel {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny-\(type.rawValue).gguf").path
        try tiny.write(to: path, storage: type == .bf16 ? .bf16 : .f16)
        return try LlamaModel.load(path: path)
    }

    func worst(_ fast: Matrix, _ slow: [[Double]]) -> Double {
        var worst = 0.0
        for t in slow.indices { for v in slow[t].indices { worst = max(worst, abs(Double(fast[t, v]) - slow[t][v])) } }
        return worst
    }

    func testSixteenBitFilesStayAsStoredAndComputeInFloat32() throws {
        for type in [WeightType.bf16, .f16] {
            let tiny = representable(type, seed: 21)
            let model = try load(tiny, type)
            for layer in model.weights.layers {
                for kind in LinearKind.allCases {
                    let w = layer.weight(kind)
                    XCTAssertEqual(w.type, type, "\(kind.rawValue)")
                    // q and k are reordered into owned memory; the rest is the map itself.
                    XCTAssertEqual(w.half?.isMapped, kind != .q && kind != .k, "\(kind.rawValue)")
                }
            }
            XCTAssertEqual(model.weights.embedding.type, type)
            XCTAssertEqual(model.weights.lmHead?.half?.isMapped, true)
            let tokens = (0..<40).map { ($0 * 37) % tiny.vocab }
            let naive = NaiveLlama(tiny).logits(tokens)
            for backend in [GemmBackend.openBLAS, .oneDNN] {
                let d = worst(model.computing(.f32, backend: backend).logits(tokens.map(Int32.init)), naive)
                XCTAssertLessThan(d, 1e-4, "\(type.rawValue) file, \(backend)")
            }
        }
    }

    /// A head of more than one widened slice (70,000 × 64 values against slices of 2²² numbers): the
    /// Float32 product runs slice by slice into the right logit columns.
    func testWidenedSlicesCoverAWideHead() throws {
        let tiny = representable(.bf16, seed: 22) { $0.vocab = 70_000; $0.layers = 1 }
        let model = try load(tiny, .bf16)
        XCTAssertGreaterThan(model.weights.output.count, RunState.widenedSlice)
        let tokens = [5, 69_999, 12, 40_000, 3]
        let d = worst(model.logits(tokens.map(Int32.init)), NaiveLlama(tiny).logits(tokens))
        XCTAssertLessThan(d, 1e-4)
    }

    func testBFloat16ProductsReadTheMappedWeights() throws {
        let tiny = representable(.bf16, seed: 23)
        let model = try load(tiny, .bf16).computing(.bf16)
        let packed = try XCTUnwrap(model.bf16)
        for (l, layer) in model.weights.layers.enumerated() {
            for kind in LinearKind.allCases { XCTAssertTrue(packed.layers[l][kind]!.half === layer.weight(kind).half, "\(kind.rawValue)") }
        }
        XCTAssertTrue(packed.head.half === model.weights.output.half)
        let tokens = (0..<12).map { ($0 * 13) % tiny.vocab }
        let reference = NaiveLlama(tiny, bf16: true).logits(tokens)
        let scale = reference.flatMap { $0 }.map(abs).max()!
        XCTAssertLessThan(worst(model.logits(tokens.map(Int32.init)), reference), 1e-5 * scale)
    }

    /// An F16 file under `precision bf16`: its weights are rounded to bfloat16 copies, as Float32 ones are.
    func testHalfFileUnderBFloat16RoundsCopies() throws {
        let tiny = representable(.f16, seed: 24)
        let model = try load(tiny, .f16).computing(.bf16)
        let gate = try XCTUnwrap(model.bf16?.layers[0][.gate])
        XCTAssertEqual(gate.type, .bf16)
        XCTAssertEqual(gate.half?.isMapped, false)
        let tokens = (0..<12).map { ($0 * 7) % tiny.vocab }
        let reference = NaiveLlama(tiny, bf16: true).logits(tokens)
        let scale = reference.flatMap { $0 }.map(abs).max()!
        XCTAssertLessThan(worst(model.logits(tokens.map(Int32.init)), reference), 1e-5 * scale)
    }
}
