package io.kubejoin.sandbox.api;

import java.util.List;
import java.util.Objects;

/**
 * An authenticated identity, as k8s.io/apiserver's {@code user.Info}: name, uid and groups. What the
 * sandbox's authorizer decides on and what a CertificateSigningRequest records in its spec.
 */
public record UserInfo(String username, String uid, List<String> groups) {
    public static final String AUTHENTICATED = "system:authenticated";
    public static final String MASTERS = "system:masters";
    public static final String BOOTSTRAPPERS = "system:bootstrappers";
    public static final String NODES = "system:nodes";
    public static final String NODE_PREFIX = "system:node:";

    public UserInfo {
        Objects.requireNonNull(username, "username");
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }

    /** The node name when this is a kubelet's identity (system:node:NAME in group system:nodes), else null. */
    public String nodeName() {
        return inGroup(NODES) && username.startsWith(NODE_PREFIX) ? username.substring(NODE_PREFIX.length()) : null;
    }

    /** kube-apiserver adds system:authenticated to every authenticated user (the group adder in front of all authenticators). */
    UserInfo withAuthenticatedGroup() {
        if (groups.contains(AUTHENTICATED)) return this;
        List<String> g = new java.util.ArrayList<>(groups);
        g.add(AUTHENTICATED);
        return new UserInfo(username, uid, g);
    }
}
