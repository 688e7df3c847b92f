package io.kubejoin.render;

import java.util.ArrayList;
import java.util.List;

/** Things worth telling the user that do not stop rendering (e.g. "IPVS mode is deprecated in 1.35"). */
public final class RenderWarnings {
    private final List<String> warnings = new ArrayList<>();

    public void add(String warning) {
        if (!warnings.contains(warning)) warnings.add(warning);
    }

    public List<String> all() {
        return List.copyOf(warnings);
    }
}
