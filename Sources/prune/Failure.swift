import ArgumentParser
import Foundation
import ModelIO

/// Runs a command body; any error becomes one line on stderr and a non-zero exit status
/// (66 for a missing input, 65 for bad data, 70 for anything unexpected), never a crash trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as ModelIOError {
        Terminal.error(error.description)
        throw ExitCode(error.problem.hasPrefix("no such file") ? 66 : 65)
    } catch let error as CustomStringConvertible {
        Terminal.error(error.description)
        throw ExitCode(65)
    } catch {
        Terminal.error("\(error)")
        throw ExitCode(70)
    }
}

enum Terminal {
    static var stderrIsTTY: Bool { isatty(2) != 0 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("prune: error: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}
