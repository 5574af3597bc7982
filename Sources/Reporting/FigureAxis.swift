import Pruning
import Script

extension FigureData {
    /// A cell's value on a figure's x axis (any of `FigureSpec.xs`), nil where the cell has none: the
    /// dense model has no gamma, and a cell without calibration no samples.
    static func xValue(_ axis: String, _ r: ResultRecord) -> Double? {
        let calibration = r.cell.calibration
        switch axis {
        case "amount": return r.cell.amount
        case "gamma", "theta":
            guard let p = r.cell.scorer?.parameters[axis], case .number(let v) = p else { return nil }
            return v
        case "samples": return calibration.map { Double($0.samples) }
        case "seqlen": return calibration.map { Double($0.seqlen) }
        case "seed": return calibration.map { Double($0.seed) }
        // Millions, as the y axis shows them.
        case "params_stored": return Double(r.metrics.paramsStored) / 1e6
        case "params_nonzero": return Double(r.metrics.paramsNonzero) / 1e6
        default: return nil
        }
    }
}
