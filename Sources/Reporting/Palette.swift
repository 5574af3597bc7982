/// Colours and dash patterns for the series of one figure. The six scorers (and the pruners and
/// pipelines) have fixed colours, so a paper's figures show wpr in the same hue throughout; several
/// variants of one (wpr(gamma: 0.1), wpr(gamma: 0.5)) become lighter and darker shades of that hue with
/// their own dash patterns. Every other series takes the next colour of the cycle not yet used. No
/// colour appears twice in one figure.
enum Palette {
    struct Style: Equatable {
        var colour: String
        /// gnuplot's dash type: 1 solid, 2–5 its predefined patterns.
        var dash: Int
    }

    static let fixed: [String: String] = [
        "wpr": "#0072B2", "mpr": "#56B4E9", "activation": "#009E73", "wanda": "#D55E00",
        "norm": "#CC79A7", "random": "#999999", "dense": "#000000",
        "neuron_norm": "#44AA99", "neuron_output": "#117733", "fluctuation": "#882255", "obs": "#332288",
        "local": "#0072B2", "global": "#D55E00", "isolated": "#009E73", "chained": "#E69F00",
    ]
    /// Okabe and Ito's colour-blind-safe colours.
    static let cycle = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999"]

    /// The component a series name starts with: `wpr` for "wpr(gamma: 0.5)" and "wpr @ 0.3".
    static func family(_ name: String) -> String { String(name.prefix { $0 != "(" && $0 != " " }) }

    /// One style per name, in order.
    static func styles(_ names: [String]) -> [Style] {
        var out = [Style?](repeating: nil, count: names.count)
        var used = Set<String>()
        // Variants of a component with a fixed colour: shades of it, in the order the figure lists them.
        var families: [String: [Int]] = [:], order: [String] = []
        for (i, n) in names.enumerated() where fixed[family(n)] != nil {
            if families[family(n)] == nil { order.append(family(n)) }
            families[family(n), default: []].append(i)
        }
        for f in order {
            let members = families[f]!, base = Colour(hex: fixed[f]!)!
            for (k, i) in members.enumerated() {
                let c = members.count == 1 ? fixed[f]! : shade(base, k, of: members.count).hex
                // Two families may share a base colour (wpr and local): the later falls through to the cycle.
                guard used.insert(c).inserted else { continue }
                out[i] = Style(colour: c, dash: 1 + k % 5)
            }
        }
        // Everything else: the cycle's unused colours, then hues a golden angle apart.
        var spare = cycle.filter { !used.contains($0) }.makeIterator()
        var generated = 0
        for i in names.indices where out[i] == nil {
            var c = spare.next()
            while c == nil || used.contains(c!) {
                generated += 1
                c = Colour(hue: (Double(generated) * 137.508).truncatingRemainder(dividingBy: 360), saturation: 0.65, lightness: 0.45).hex
            }
            used.insert(c!)
            out[i] = Style(colour: c!, dash: 1)
        }
        return out.map { $0! }
    }

    /// The k-th of `count` shades of `base`: its hue and saturation, lightness spread evenly from a
    /// darker to a lighter version (kept between 0.15 and 0.8, so none is near black or white).
    static func shade(_ base: Colour, _ k: Int, of count: Int) -> Colour {
        let lo = max(0.15, base.lightness - 0.2), hi = min(0.8, base.lightness + 0.25)
        var c = base
        c.lightness = lo + (hi - lo) * Double(k) / Double(count - 1)
        return c
    }

    /// The colour `name` gets among the series of a figure.
    static func colour(_ name: String, among series: [String]) -> String { style(name, among: series).colour }

    /// The dash pattern `name` gets among the series of a figure.
    static func dash(_ name: String, among series: [String]) -> Int { style(name, among: series).dash }

    static func style(_ name: String, among series: [String]) -> Style {
        let all = series.contains(name) ? series : series + [name]
        return styles(all)[all.firstIndex(of: name)!]
    }
}
