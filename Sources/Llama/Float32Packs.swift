import Foundation
import Tensor

/// A model's Float32 weights in oneDNN's blocked layout, for the products that use a weight often: a
/// weight is packed on its `packAfterUses`-th product (on SmolLM2 the packed products ran the linear layers
/// 7-8 % and the LM head's tiles 17 % faster, while packing the whole model costs about as much as two
/// windows and holds a second copy of its weights, so a run of a window or two keeps the plain ones). Kept
/// per weight storage and row chunk, so a pruned model made from this one shares the packs of the
/// weights it did not change. Weights are never written once in a model (pruning and refits make new
/// matrices), so a pack cannot go stale.
final class Float32Packs: @unchecked Sendable {
    struct Key: Hashable {
        let storage: ObjectIdentifier
        let rows: Range<Int>
    }

    enum Entry {
        /// Products so far; `storage` is held so that its identifier cannot pass to another matrix.
        case counting(uses: Int, storage: AnyObject)
        /// Another thread is packing it: use the plain weight meanwhile rather than wait.
        case packing
        case packed(OneDNN.PackedWeights)
        /// oneDNN keeps this weight's plain layout, or the budget was spent: not asked again.
        case plain
    }

    /// Rows per pack: the LM head's vocabulary tile, so each tile's product reads one pack.
    static let chunkRows = RunState.vocabularyTile
    /// The row count packs are laid out for (a window's; others use the same layout).
    static let layoutRows = 512
    /// The product that packs a weight: with one window per core, the one of a second window on each.
    static let packAfterUses = 3
    /// Packs beyond this many bytes are not made (their products read the plain weight): a copy of a
    /// large Float32 model's every weight would double its memory.
    static let budgetBytes = 3 << 30

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var bytes = 0

    /// Bytes of packs held (for tests and memory reports).
    var packedBytes: Int { lock.withLock { bytes } }

    /// A set for a model whose weights are `layers` and `head`, keeping this one's entries for those
    /// among them.
    func keeping(_ layers: [LlamaLayer], head: Weight) -> Float32Packs {
        var live = Set<ObjectIdentifier>()
        for layer in layers { for kind in LinearKind.allCases where layer.weight(kind).type == .f32 { live.insert(ObjectIdentifier(layer.weight(kind).matrix.storage)) } }
        if head.type == .f32 { live.insert(ObjectIdentifier(head.matrix.storage)) }
        let out = Float32Packs()
        lock.withLock {
            for (key, entry) in entries where live.contains(key.storage) {
                switch entry {
                case .packed(let pack): out.bytes += pack.bytes
                case .packing: continue // finished into this set only: the new one counts afresh
                case .counting, .plain: break
                }
                out.entries[key] = entry
            }
        }
        return out
    }

    /// The pack of rows `rows` (one chunk) of a Float32 weight for this product, or nil: use the plain
    /// weight (not used often enough yet, or not packable).
    func pack(_ w: Weight, rows: Range<Int>) -> OneDNN.PackedWeights? {
        // An empty product has nothing to pack (oneDNN refuses empty layouts; the plain call handles it).
        guard !rows.isEmpty, w.columns > 0 else { return nil }
        let matrix = w.matrix
        let key = Key(storage: ObjectIdentifier(matrix.storage), rows: rows)
        let reserve = rows.count * w.columns * 4
        enum Step { case use(OneDNN.PackedWeights?), packNow }
        let step: Step = lock.withLock {
            let uses: Int
            switch entries[key] {
            case .packed(let pack): return .use(pack)
            case .plain, .packing: return .use(nil)
            case .counting(let n, _): uses = n + 1
            case nil: uses = 1
            }
            if uses < Self.packAfterUses {
                entries[key] = .counting(uses: uses, storage: matrix.storage)
                return .use(nil)
            }
            guard bytes + reserve <= Self.budgetBytes else {
                entries[key] = .plain
                return .use(nil)
            }
            entries[key] = .packing
            bytes += reserve
            return .packNow
        }
        if case .use(let pack) = step { return pack }
        // Outside the lock (packing SmolLM2 whole takes about 0.4 s): the other workers go on with
        // plain weights.
        let made = OneDNN.PackedWeights(b: matrix.pointer + rows.lowerBound * w.columns, n: rows.count, k: w.columns, ldb: w.columns,
                                        owner: matrix.storage, rows: Self.layoutRows)
        lock.withLock {
            entries[key] = made.map { .packed($0) } ?? .plain
            bytes += (made?.bytes ?? 0) - reserve
        }
        return made
    }
}
