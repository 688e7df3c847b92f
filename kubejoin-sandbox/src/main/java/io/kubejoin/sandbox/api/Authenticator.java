package io.kubejoin.sandbox.api;

import java.util.Optional;

/**
 * One link of kube-apiserver's authenticator union (k8s.io/apiserver pkg/authentication): answers
 * the identity a request's credentials prove, or empty when they prove nothing to this authenticator
 * (the next one is asked; if none answers, the request gets 401).
 */
@FunctionalInterface
public interface Authenticator {
    Optional<UserInfo> authenticate(Credentials credentials);
}
