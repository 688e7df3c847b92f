package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A list read in pages ({@code limit} and {@code continue}, as kubectl reads them), each item handed over and the page
 * dropped: ten thousand Nodes or Secrets are never one response in memory, only what the caller keeps of them. A
 * server that ignores the limit answers with everything and no continue token: one page.
 */
public final class Pages {
    /** kubectl's --chunk-size. */
    public static final long SIZE = 500;

    private Pages() {
    }

    public static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void each(Function<ListOptions, ? extends KubernetesResourceList<T>> page, Consumer<? super T> each) {
        String next = null;
        do {
            ListOptions options = new ListOptionsBuilder().withLimit(SIZE).withContinue(next).build();
            KubernetesResourceList<T> list = page.apply(options);
            if (list.getItems() != null) list.getItems().forEach(each);
            next = list.getMetadata() == null ? null : list.getMetadata().getContinue();
        } while (next != null && !next.isEmpty());
    }
}
