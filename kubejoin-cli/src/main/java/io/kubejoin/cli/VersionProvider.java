package io.kubejoin.cli;

import io.kubejoin.version.KubeVersion;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** kubejoin's own version, from the Maven build, and the Kubernetes releases it renders for. */
public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws Exception {
        return new String[] {
                "kubejoin " + clientVersion(),
                "Kubernetes " + KubeVersion.OLDEST_SUPPORTED.minorString() + " to "
                        + KubeVersion.NEWEST_SUPPORTED_MINOR.minorString()
        };
    }

    /** kubejoin's version as Maven built it ("unknown" outside a build). */
    public static String clientVersion() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/kubejoin-version.properties")) {
            if (in != null) p.load(in);
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    /** The Kubernetes releases kubejoin renders for, e.g. "1.17 to 1.35". */
    public static String releases() {
        return KubeVersion.OLDEST_SUPPORTED.minorString() + " to " + KubeVersion.NEWEST_SUPPORTED_MINOR.minorString();
    }
}
