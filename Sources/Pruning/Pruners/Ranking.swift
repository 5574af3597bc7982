/// Orderings shared by scorers and pruners. Ties go to the lower index, so results never depend on
/// sort stability.
enum Ranking {
    /// Indices of `values` from smallest to largest.
    static func ascending(_ values: [Double]) -> [Int] {
        values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
    }
}
