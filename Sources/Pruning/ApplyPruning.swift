import Llama
import Tensor

/// Turning chosen rows into a model: masking zeroes them; shrinking removes them where that is exact.
public enum ApplyPruning {
    /// The model with the given output rows zeroed. Untouched weights are shared, not copied.
    public static func masked(_ model: LlamaModel, removing rows: [LinearModule: [Int]]) -> LlamaModel {
        var layers = model.weights.layers
        for (module, removed) in rows where !removed.isEmpty {
            layers[module.layer].set(module.kind, layers[module.layer].weight(module.kind).zeroingRows(removed))
        }
        return model.replacingLayers(layers)
    }

    /// The model with pruned rows physically removed where that is exact:
    /// - a removed gate_proj or up_proj row i removes FFN neuron i (gate row i, up row i, down column i):
    ///   silu(g)·0 = 0 and silu(0)·u = 0, so the neuron never contributed;
    /// - a removed down_proj row j is an FFN output channel that is never written: down keeps only the
    ///   other rows and its outputs are added to their channels of the residual stream.
    /// Rows of attention projections are zeroed (masked) as they cannot be removed without changing
    /// head shapes.
    /// A module is never left empty (a 0-row matrix cannot be stored in a model file): when every
    /// neuron or every down_proj row goes, the first one stays, zeroed, which computes exactly what the
    /// masked model does (silu(0)·0 = 0; a zero down row adds 0).
    public static func shrunk(_ model: LlamaModel, removing rows: [LinearModule: [Int]]) -> LlamaModel {
        var layers = model.weights.layers
        for l in layers.indices {
            var layer = layers[l]
            let gone = Set((rows[LinearModule(layer: l, kind: .gate)] ?? []) + (rows[LinearModule(layer: l, kind: .up)] ?? []))
            if !gone.isEmpty {
                var keep = (0..<layer.ffnWidth).filter { !gone.contains($0) }
                let emptied = keep.isEmpty && layer.ffnWidth > 0
                if emptied { keep = [0] }
                layer.gate = layer.gate.selectingRows(keep)
                layer.up = layer.up.selectingRows(keep)
                layer.down = layer.down.selectingColumns(keep)
                if emptied {
                    layer.gate = layer.gate.zeroingRows([0])
                    layer.up = layer.up.zeroingRows([0])
                    layer.down = layer.down.zeroingRows(Array(0..<layer.down.rows))
                }
            }
            if let removed = rows[LinearModule(layer: l, kind: .down)], !removed.isEmpty {
                let gone = Set(removed)
                let current = layer.downOutputs ?? Array(0..<layer.down.rows)
                var keep = (0..<layer.down.rows).filter { !gone.contains($0) }
                let emptied = keep.isEmpty && layer.down.rows > 0
                if emptied { keep = [0] }
                layer.down = layer.down.selectingRows(keep)
                layer.downOutputs = keep.map { current[$0] }
                if emptied { layer.down = layer.down.zeroingRows([0]) }
            }
            for kind in [LinearKind.q, .k, .v, .o] {
                guard let removed = rows[LinearModule(layer: l, kind: kind)], !removed.isEmpty else { continue }
                layer.set(kind, layer.weight(kind).zeroingRows(removed))
            }
            layers[l] = layer
            // A mapped source weight that was copied (what it keeps now lives in `layer`) need not stay
            // resident: its pages reload from the file if the source model is read again.
            let source = model.weights.layers[l]
            for kind in LinearKind.allCases where source.weight(kind).half !== layer.weight(kind).half {
                source.weight(kind).releaseResidentPages()
            }
        }
        return model.replacingLayers(layers)
    }
}
