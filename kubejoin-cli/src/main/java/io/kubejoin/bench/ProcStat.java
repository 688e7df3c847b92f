package io.kubejoin.bench;

/** Reading /proc/PID/stat (proc(5)). */
final class ProcStat {
    private ProcStat() {
    }

    /**
     * utime + stime + cutime + cstime (fields 14–17, clock ticks) of one stat line. The command name (field 2) is in
     * parentheses and may hold spaces or parentheses itself, so the fields are counted from its last ')'.
     */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }
}
