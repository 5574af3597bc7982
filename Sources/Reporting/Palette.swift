/// Colours that stay with a name in every figure: the six scorers have fixed colours (a paper's
/// figures should show wpr in the same colour throughout); other series take the colours in turn, in
/// the order the figure lists them, so no two of them share one.
enum Palette {
    static let fixed: [String: String] = [
        "wpr": "#0072B2", "mpr": "#56B4E9", "activation": "#009E73", "wanda": "#D55E00",
        "norm": "#CC79A7", "random": "#999999", "dense": "#000000",
        "neuron_norm": "#44AA99", "neuron_output": "#117733", "fluctuation": "#882255", "obs": "#332288",
        "local": "#0072B2", "global": "#D55E00", "isolated": "#009E73", "chained": "#E69F00",
    ]
    static let cycle = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999"]

    /// A component keeps its colour in every figure, with or without parameters (wpr(gamma: 0.5) is
    /// drawn in wpr's colour); any other series gets the next colour of the cycle among `series`.
    static func colour(_ name: String, among series: [String]) -> String {
        if let c = fixed[String(name.prefix { $0 != "(" && $0 != " " })] { return c }
        let others = series.filter { fixed[String($0.prefix { $0 != "(" && $0 != " " })] == nil }
        return cycle[(others.firstIndex(of: name) ?? 0) % cycle.count]
    }

    /// Variants of one component (different parameters) are told apart by dash pattern: 1 (solid) for
    /// a bare name, 2–5 from the parameters' hash otherwise.
    /// A `method` series on a chain of modules (`wpr [up_proj→down_proj] + ...`) is dashed, so it stands
    /// apart from the same scorer on whole neurons.
    static func dash(_ name: String) -> Int {
        if name.contains("→") { return 3 }
        return name.contains("(") ? 2 + Int(hash(name) % 4) : 1
    }

    static func hash(_ s: String) -> UInt32 { s.unicodeScalars.reduce(UInt32(2166136261)) { ($0 ^ $1.value) &* 16777619 } }
}
