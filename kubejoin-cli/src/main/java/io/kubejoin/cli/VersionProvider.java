package io.kubejoin.cli;

import io.kubejoin.version.KubeVersion;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** kubejoin's own version, from the Maven build, and the Kubernetes releases it renders for. */
public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws Exception {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/kubejoin-version.properties")) {
            if (in != null) p.load(in);
        }
        return new String[] {
                "kubejoin " + p.getProperty("version", "unknown"),
                "Kubernetes " + KubeVersion.OLDEST_SUPPORTED.minorString() + " to "
                        + KubeVersion.NEWEST_SUPPORTED_MINOR.minorString()
        };
    }
}
