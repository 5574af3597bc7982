import Foundation
import Tensor

/// A model's Float32 weights in oneDNN's blocked layout, packed the first time a product needs them
/// (a model that runs one window pays one reorder per weight; one that runs many gains 7-8 % on its
/// linear layers and 17 % on the LM head). Kept per weight storage and row chunk, so a pruned model made
/// from this one shares the packs of the weights it did not change. Weights are never written once in a
/// model (pruning and refits make new matrices), so a pack cannot go stale.
final class Float32Packs: @unchecked Sendable {
    struct Key: Hashable {
        let storage: ObjectIdentifier
        let rows: Range<Int>
    }

    /// Rows per pack: the LM head's vocabulary tile, so each tile's product reads one pack.
    static let chunkRows = RunState.vocabularyTile
    /// The row count packs are laid out for (a window's; others use the same layout).
    static let layoutRows = 512
    /// Packs beyond this many bytes are not made (their products read the plain weight): a copy of a
    /// large Float32 model's every weight would double its memory.
    static let budgetBytes = 3 << 30

    private let lock = NSLock()
    /// Nil: oneDNN keeps this weight's plain layout (or the budget is spent), so it is not asked again.
    private var packs: [Key: OneDNN.PackedWeights?]
    private var bytes: Int

    init() {
        packs = [:]
        bytes = 0
    }

    /// Bytes of packs held (for tests and memory reports).
    var packedBytes: Int { lock.withLock { bytes } }

    /// A set for a model whose weights are `layers` and `head`, keeping this one's packs of those
    /// among them.
    func keeping(_ layers: [LlamaLayer], head: Weight) -> Float32Packs {
        var live = Set<ObjectIdentifier>()
        for layer in layers { for kind in LinearKind.allCases where layer.weight(kind).type == .f32 { live.insert(ObjectIdentifier(layer.weight(kind).matrix.storage)) } }
        if head.type == .f32 { live.insert(ObjectIdentifier(head.matrix.storage)) }
        let out = Float32Packs()
        lock.withLock {
            for (key, pack) in packs where live.contains(key.storage) {
                out.packs[key] = pack
                out.bytes += pack?.bytes ?? 0
            }
        }
        return out
    }

    /// The pack of rows `rows` (one chunk) of a Float32 weight, made now if this is the first call.
    func pack(_ w: Weight, rows: Range<Int>) -> OneDNN.PackedWeights? {
        let matrix = w.matrix
        let key = Key(storage: ObjectIdentifier(matrix.storage), rows: rows)
        return lock.withLock {
            if let known = packs[key] { return known }
            var made: OneDNN.PackedWeights?
            if bytes + rows.count * w.columns * 4 <= Self.budgetBytes {
                made = OneDNN.PackedWeights(b: matrix.pointer + rows.lowerBound * w.columns, n: rows.count, k: w.columns, ldb: w.columns,
                                            owner: matrix.storage, rows: Self.layoutRows)
            }
            packs[key] = made
            bytes += made?.bytes ?? 0
            return made
        }
    }
}
