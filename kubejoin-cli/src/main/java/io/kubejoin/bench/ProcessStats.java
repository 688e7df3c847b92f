package io.kubejoin.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What one kubejoin process cost, written by the process itself at its end when started with
 * {@code -Dkubejoin.stats=FILE} (the benchmark does this for the join process it times): CPU seconds, peak RSS
 * (the kernel's VmHWM) and peak heap (sum of the heap pools' peaks, an upper bound on the heap in use at once).
 */
public record ProcessStats(double cpuSeconds, long peakRssKiB, long peakHeapBytes, long maxHeapBytes, int peakThreads) {
    public static final String PROPERTY = "kubejoin.stats";

    /** Measures this process now. */
    public static ProcessStats ofThisProcess() {
        double cpu = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            cpu = os.getProcessCpuTime() / 1e9;
        }
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) heap += pool.getPeakUsage().getUsed();
        }
        return new ProcessStats(cpu, vmHwmKiB(), heap, Runtime.getRuntime().maxMemory(),
                ManagementFactory.getThreadMXBean().getPeakThreadCount());
    }

    private static long vmHwmKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no RSS figure
        }
        return -1;
    }

    /** When the property names a file: writes this process's figures there (one "key value" per line). */
    public static void writeIfRequested() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) return;
        ProcessStats s = ofThisProcess();
        try {
            List<String> lines = new java.util.ArrayList<>(List.of("cpuSeconds " + s.cpuSeconds, "peakRssKiB " + s.peakRssKiB,
                    "peakHeapBytes " + s.peakHeapBytes, "maxHeapBytes " + s.maxHeapBytes, "peakThreads " + s.peakThreads,
                    "apiRequests " + io.kubejoin.cluster.KubeConnection.requestsSent()));
            // by kind, for reading requests per node apart: "apiRequest GET nodes/* 1000"
            io.kubejoin.cluster.KubeConnection.requestsByKind().forEach((k, n) -> lines.add("apiRequest " + k + " " + n));
            Files.write(Path.of(file), lines, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            System.err.println("kubejoin: cannot write process figures to " + file + ": " + e.getMessage());
        }
    }

    /** Reads what {@link #writeIfRequested} wrote. */
    public static ProcessStats read(Path file) throws IOException {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] kv = line.split(" ", 2);
            if (kv.length == 2) m.put(kv[0], kv[1]);
        }
        return new ProcessStats(Double.parseDouble(m.getOrDefault("cpuSeconds", "0")),
                Long.parseLong(m.getOrDefault("peakRssKiB", "-1")), Long.parseLong(m.getOrDefault("peakHeapBytes", "0")),
                Long.parseLong(m.getOrDefault("maxHeapBytes", "0")), Integer.parseInt(m.getOrDefault("peakThreads", "0")));
    }
}
