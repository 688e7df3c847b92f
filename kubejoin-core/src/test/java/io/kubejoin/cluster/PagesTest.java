package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PagesTest {
    static Node node(int i) {
        return new NodeBuilder().withNewMetadata().withName("n" + i).endMetadata().build();
    }

    /** A server that pages as kube-apiserver does: at most limit items, and a continue token while more remain. */
    static NodeList page(ListOptions o, int total, List<ListOptions> asked) {
        asked.add(o);
        int from = o.getContinue() == null ? 0 : Integer.parseInt(o.getContinue());
        int to = (int) Math.min(total, from + o.getLimit());
        List<Node> items = new ArrayList<>();
        for (int i = from; i < to; i++) items.add(node(i));
        return new NodeListBuilder().withNewMetadata().withContinue(to < total ? Integer.toString(to) : null).endMetadata()
                .withItems(items).build();
    }

    @Test
    void readsEveryPageWithTheLimitAndTheServersContinueToken() {
        List<ListOptions> asked = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Pages.each(o -> page(o, 1234, asked), n -> seen.add(n.getMetadata().getName()));
        assertThat(seen).hasSize(1234).startsWith("n0").endsWith("n1233").doesNotHaveDuplicates();
        assertThat(asked).extracting(ListOptions::getLimit).containsOnly(Pages.SIZE);
        assertThat(asked).extracting(ListOptions::getContinue).containsExactly(null, "500", "1000");
    }

    @Test
    void aServerThatIgnoresTheLimitIsOnePage() {
        List<String> seen = new ArrayList<>();
        Pages.each(o -> new NodeListBuilder().withItems(node(1), node(2)).build(), n -> seen.add(n.getMetadata().getName()));
        assertThat(seen).containsExactly("n1", "n2");
        List<ListOptions> asked = new ArrayList<>();
        Pages.each(o -> page(o, 0, asked), n -> seen.add("none"));
        assertThat(asked).hasSize(1);
    }
}
