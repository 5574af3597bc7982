import Foundation
import XCTest

/// Compiles a LaTeX document with pdflatex, for tests of the `.tex` files prune writes for papers.
public enum LaTeX {
    /// Writes `document` to `folder`/paper.tex and runs pdflatex there; returns its exit status and the
    /// end of its log. A missing pdflatex skips (fails under CI=true: setup installs it).
    public static func compile(_ document: String, in folder: URL) throws -> (status: Int32, log: String) {
        guard let pdflatex = TestPaths.executable("pdflatex") else {
            throw TestPaths.missing("pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended; scripts/setup.sh installs them)")
        }
        try document.write(to: folder.appendingPathComponent("paper.tex"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pdflatex)
        p.arguments = ["-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
        p.currentDirectoryURL = folder
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let log = (try? String(contentsOf: folder.appendingPathComponent("paper.log"), encoding: .utf8)) ?? ""
        return (p.terminationStatus, String(log.suffix(3000)))
    }
}
