import Foundation

public enum ProcessMemory {
    /// Peak resident set size of this process so far, in MB (Linux reports ru_maxrss in KiB).
    public static var peakResidentMB: Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
