package io.kubejoin.sandbox.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands for kube-apiserver's {@code --token-auth-file} authenticator: fixed bearer tokens, each with
 * an identity. Holds the sandbox admin token and any token a test registers (e.g. a node identity).
 */
final class StaticTokenAuthenticator implements Authenticator {
    private final Map<String, UserInfo> tokens = new ConcurrentHashMap<>();

    void add(String token, UserInfo user) {
        if (token == null || token.isEmpty()) throw new IllegalArgumentException("empty token");
        tokens.put(token, user);
    }

    void add(String token, String user, List<String> groups) {
        add(token, new UserInfo(user, "", groups));
    }

    @Override
    public Optional<UserInfo> authenticate(Credentials credentials) {
        String t = credentials.bearerToken();
        return t == null ? Optional.empty() : Optional.ofNullable(tokens.get(t));
    }
}
