import ArgumentParser
import Foundation
import ModelIO
import Script

/// Runs a command body; any error becomes one line on stderr and a non-zero exit status
/// (66 for a missing input, 65 for bad data, 74 for a write that failed, 75 for a results folder in use,
/// 70 for anything unexpected), never a crash trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as FolderInUse {
        Terminal.error(error.description)
        throw ExitCode(FolderInUse.exitStatus)
    } catch let error as ModelIOError {
        Terminal.error(error.description)
        if error.problem.hasPrefix("no such file") || error.problem.hasPrefix("no such folder") { throw ExitCode(66) }
        throw ExitCode(error.problem.hasPrefix("cannot write") ? 74 : 65)
    } catch let error as ScriptFailure {
        Terminal.error(error.description)
        throw ExitCode(error.status)
    } catch let error as CustomStringConvertible where !(error is NSError) {
        Terminal.error(error.description)
        throw ExitCode(65)
    } catch {
        // A Foundation error: its own text says little, so give the plain reason.
        Terminal.error(FileSystemReason.of(error))
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

/// SIGINT and SIGTERM end a run cleanly: whatever is stored stays stored (each record is written whole
/// and synced), and the message says what there is and how to go on. Exit status 130 or 143.
enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var message: @Sendable () -> String = { "" }
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// From now on an interrupt prints `message()` (when not empty) and exits.
    static func install(_ message: @escaping @Sendable () -> String) {
        lock.lock()
        defer { lock.unlock() }
        self.message = message
        guard sources.isEmpty else { return }
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler {
                lock.lock()
                let text = Interruption.message()
                lock.unlock()
                let line = "\nprune: interrupted" + (text.isEmpty ? "" : ": \(text)") + "\n"
                _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
                // Straight out: other threads may be mid-computation, and nothing half-done is ever stored.
                _exit(status)
            }
            source.resume()
            sources.append(source)
        }
    }
}
