import Llama
import Tensor

/// What one structured unit is: an FFN neuron, a key/value head group, or a whole decoder block.
public enum UnitKind: String, Codable, Sendable, CaseIterable {
    case neuron, head, block
}

/// One unit of a structure: the `index`-th neuron or key/value head group of block `layer`, or block
/// `layer` itself (index 0). Its weights are the slices that go together (`slices`).
public struct PruningUnit: Hashable, Sendable, Codable {
    public let kind: UnitKind
    public let layer: Int
    public let index: Int

    public init(_ kind: UnitKind, layer: Int, index: Int = 0) {
        self.kind = kind
        self.layer = layer
        self.index = index
    }
}

/// Rows or columns of one linear module of a block.
public struct WeightSlice: Hashable, Sendable {
    public enum Axis: Sendable { case rows, columns }
    public let kind: LinearKind
    public let axis: Axis
    public let indices: Range<Int>
}

extension PruningUnit {
    /// The weight slices removed with this unit, in the dense model's numbering:
    /// - a neuron j: gate row j, up row j, down column j;
    /// - a key/value head group g under grouped-query attention: the q rows of its `queryGroup` query
    ///   heads, its k rows and v rows, and the o columns those query heads write;
    /// - a block: every row of every module (its two norm vectors go too): the residual passes through.
    public func slices(_ c: LlamaConfig) -> [WeightSlice] {
        switch kind {
        case .neuron:
            let j = index..<index + 1
            return [WeightSlice(kind: .gate, axis: .rows, indices: j), WeightSlice(kind: .up, axis: .rows, indices: j),
                    WeightSlice(kind: .down, axis: .columns, indices: j)]
        case .head:
            let hd = c.headDim, q = c.queryGroup * hd
            let kv = index * hd..<(index + 1) * hd, queries = index * q..<(index + 1) * q
            return [WeightSlice(kind: .q, axis: .rows, indices: queries), WeightSlice(kind: .k, axis: .rows, indices: kv),
                    WeightSlice(kind: .v, axis: .rows, indices: kv), WeightSlice(kind: .o, axis: .columns, indices: queries)]
        case .block:
            return LinearKind.allCases.map { WeightSlice(kind: $0, axis: .rows, indices: 0..<c.shape(of: $0, layer: layer).rows) }
        }
    }

    /// Parameters the unit's slices hold: what removing it saves.
    public func parameters(_ c: LlamaConfig) -> Int {
        let norms = kind == .block ? 2 * c.hiddenSize : 0
        return slices(c).reduce(norms) { total, s in
            let shape = c.shape(of: s.kind, layer: layer)
            return total + s.indices.count * (s.axis == .rows ? shape.columns : shape.rows)
        }
    }

    /// How many units of `kind` block `layer` has.
    public static func count(_ kind: UnitKind, layer: Int, _ c: LlamaConfig) -> Int {
        switch kind {
        case .neuron: c.intermediateSizes[layer]
        case .head: c.keyValueHeads(layer: layer)
        case .block: 1
        }
    }
}

/// Removing units from a model, from their slices alone: masking zeroes the slices, shrinking drops them.
public enum ApplyUnits {
    /// The model with every slice of the units zeroed. A masked block adds nothing to the residual
    /// stream (zero v rows give zero attention output, zero down rows zero FFN output).
    public static func masked(_ model: LlamaModel, removing units: [PruningUnit]) -> LlamaModel {
        var layers = model.weights.layers
        var copied: [LinearModule: Matrix] = [:]
        for unit in units {
            for s in unit.slices(model.config) {
                let module = LinearModule(layer: unit.layer, kind: s.kind)
                let w = copied[module] ?? layers[unit.layer].weight(s.kind).mutableCopy()
                copied[module] = w
                zero(w, s)
            }
        }
        for (module, w) in copied { layers[module.layer].set(module.kind, w) }
        return model.replacingLayers(layers)
    }

    /// The model with the units' slices removed and removed blocks dropped from the block list (the
    /// residual stream passes straight through). A block that would lose every neuron or every head
    /// group keeps its first one, zeroed (an empty module cannot be stored in a model file), which
    /// computes what the masked model does. At least one block always stays.
    public static func shrunk(_ model: LlamaModel, removing units: [PruningUnit]) -> LlamaModel {
        let c = model.config
        var layers = model.weights.layers
        let gone = Set(units.filter { $0.kind == .block }.map(\.layer))
        for l in layers.indices where !gone.contains(l) {
            var layer = layers[l]
            for kind in [UnitKind.neuron, .head] {
                let removed = units.filter { $0.kind == kind && $0.layer == l }
                guard !removed.isEmpty else { continue }
                let total = PruningUnit.count(kind, layer: l, c)
                var dropped = Set(removed.map(\.index))
                // Keep the first unit, zeroed, when all would go.
                if dropped.count >= total {
                    dropped.remove(0)
                    for s in PruningUnit(kind, layer: l, index: 0).slices(c) {
                        let w = layer.weight(s.kind).mutableCopy()
                        zero(w, s)
                        layer.set(s.kind, w)
                    }
                }
                var rows: [LinearKind: Set<Int>] = [:], columns: [LinearKind: Set<Int>] = [:]
                for i in dropped {
                    for s in PruningUnit(kind, layer: l, index: i).slices(c) {
                        if s.axis == .rows { rows[s.kind, default: []].formUnion(s.indices) } else { columns[s.kind, default: []].formUnion(s.indices) }
                    }
                }
                for (k, drop) in rows {
                    let w = layer.weight(k)
                    layer.set(k, w.selectingRows((0..<w.rows).filter { !drop.contains($0) }))
                }
                for (k, drop) in columns {
                    let w = layer.weight(k)
                    layer.set(k, w.selectingColumns((0..<w.columns).filter { !drop.contains($0) }))
                }
            }
            layers[l] = layer
        }
        var kept = layers.indices.filter { !gone.contains($0) }
        if kept.isEmpty { kept = [0] }
        let result = model.replacingLayers(kept.map { layers[$0] })
        // Every block removed: the one left must add nothing, as the masked model's blocks do.
        return gone.count == layers.count ? masked(result, removing: [PruningUnit(.block, layer: 0)]) : result
    }

    static func zero(_ w: Matrix, _ s: WeightSlice) {
        switch s.axis {
        case .rows:
            for r in s.indices { w.row(r).update(repeating: 0, count: w.columns) }
        case .columns:
            for r in 0..<w.rows {
                let row = w.row(r)
                for c in s.indices { row[c] = 0 }
            }
        }
    }
}
