package io.kubejoin.version;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes release, e.g. 1.32.4. Ordered by minor then patch (the major is always 1). */
public final class KubeVersion implements Comparable<KubeVersion> {
    /** Oldest release kubejoin renders for: the article's. */
    public static final KubeVersion OLDEST_SUPPORTED = new KubeVersion(1, 17, 0);
    /** Newest minor release kubejoin renders for. */
    public static final KubeVersion NEWEST_SUPPORTED_MINOR = new KubeVersion(1, 35, 0);

    private static final Pattern FORMAT = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private final int major;
    private final int minor;
    private final int patch;

    public KubeVersion(int major, int minor, int patch) {
        this.major = major;
        this.minor = minor;
        this.patch = patch;
    }

    /** Parses "1.32", "1.32.4" or "v1.32.4"; throws IllegalArgumentException otherwise. */
    public static KubeVersion parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a Kubernetes version like 1.32.4");
        }
        return new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    private static final Pattern GIT_VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+].*)?");

    /**
     * The release of a version string as a binary reports it ({@code v1.24.0}, {@code v1.24.0-lab},
     * {@code v1.29.3-eks-adcb7e2}, {@code v1.30.4+k3s1}): major.minor.patch, the build suffix dropped; empty when the
     * string has no such form. Vendors' builds of one release carry suffixes, so only these three numbers say
     * whether it is the release the inventory names.
     */
    public static java.util.Optional<KubeVersion> ofGitVersion(String text) {
        Matcher m = GIT_VERSION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) return java.util.Optional.empty();
        return java.util.Optional.of(new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3))));
    }

    /** Shorthand for a minor release 1.minor, as used by the version rules table. */
    public static KubeVersion minor(int minor) {
        return new KubeVersion(1, minor, 0);
    }

    public int major() { return major; }
    public int minor() { return minor; }
    public int patch() { return patch; }

    public boolean isSupported() {
        return major == 1 && minor >= OLDEST_SUPPORTED.minor && minor <= NEWEST_SUPPORTED_MINOR.minor;
    }

    /** True when this release is 1.minor or later. */
    public boolean atLeast(int minorRelease) {
        return major > 1 || (major == 1 && minor >= minorRelease);
    }

    public boolean atLeast(KubeVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(KubeVersion o) {
        if (major != o.major) return Integer.compare(major, o.major);
        if (minor != o.minor) return Integer.compare(minor, o.minor);
        return Integer.compare(patch, o.patch);
    }

    /** "1.32" */
    public String minorString() {
        return major + "." + minor;
    }

    /** "v1.32.4" as kubelet reports it in Node.status.nodeInfo.kubeletVersion. */
    public String gitVersion() {
        return "v" + this;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KubeVersion v && v.major == major && v.minor == minor && v.patch == patch;
    }

    @Override
    public int hashCode() {
        return Objects.hash(major, minor, patch);
    }
}
