/**
 * The way to the nodes: {@link io.kubejoin.remote.Transport} (exec, sha256 of many files in one command, atomic
 * pushes that skip unchanged files) with two implementations.
 *
 * <ul>
 *   <li>{@link io.kubejoin.remote.SshTransport}, opened by {@link io.kubejoin.remote.SshConnector}: one shared MINA
 *       SSHD client per run (threads: 2 × ioThreads + 1 timer, however many nodes; measured 5 with 1,000 open
 *       connections), curve25519-sha256 first, TCP_NODELAY, keepalive, public-key login from OpenSSH key files,
 *       host keys checked against known_hosts (unknown or changed → {@link io.kubejoin.remote.HostKeyException};
 *       accept-new records unknown keys, never changed ones), {@code sudo -n} for non-root users, one bastion hop.</li>
 *   <li>{@link io.kubejoin.remote.LocalTransport}: {@code --local}, and tests; destinations under a root folder.</li>
 * </ul>
 *
 * <p>A push writes each changed file to {@code .<name>.kubejoin-tmp} beside its destination with its final mode,
 * keeps the old file as {@code <name>.kubejoin-bak} and renames the temp file into place: a destination is never
 * partial, whatever breaks and when. Errors are {@link io.kubejoin.remote.TransportException}s with a
 * {@link io.kubejoin.remote.TransportException.Kind} and {@code isTransient()} for the runner's retries; a non-zero
 * exit status is an {@link io.kubejoin.remote.ExecResult}, not an error.
 */
package io.kubejoin.remote;
