package io.kubejoin.render;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The one YAML writer every renderer uses, so all rendered files share a style:
 * no document marker, minimal quoting, keys in the order the renderer put them (LinkedHashMap).
 */
public final class Yaml {
    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Yaml() {
    }

    /** Serializes maps/lists/scalars (or fabric8 model objects) to YAML text ending in a newline. */
    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    public static YAMLMapper mapper() {
        return MAPPER;
    }
}
