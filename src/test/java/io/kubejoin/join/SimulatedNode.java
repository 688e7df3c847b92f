package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.sandbox.SimulatedKubeProxy;
import io.kubejoin.sandbox.SimulatedKubelet;
import io.kubejoin.sandbox.SimulatorRuntime;
import io.kubejoin.version.KubeVersion;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A shim node whose kubelet and kube-proxy are the sandbox's simulators: `systemctl restart kubelet` starts a
 * SimulatedKubelet on the node's folder (it reads the files the join pushed and bootstraps against the sandbox
 * API server), healthz and the proxy-rule commands answer from the simulators' state, journalctl shows their
 * journals. Everything else runs through the shims of {@link ShimNode}.
 */
final class SimulatedNode implements Transport {
    final ShimNode shim;
    private final String name;
    private final KubeVersion version;
    private final SimulatorRuntime runtime;
    private final SimulatedKubelet.Options kubeletOptions;
    volatile SimulatedKubelet kubelet;
    volatile SimulatedKubeProxy proxy;

    SimulatedNode(ShimNode shim, String name, KubeVersion version, SimulatorRuntime runtime,
                  SimulatedKubelet.Options kubeletOptions) {
        this.shim = shim;
        this.name = name;
        this.version = version;
        this.runtime = runtime;
        this.kubeletOptions = kubeletOptions;
    }

    @Override
    public String target() {
        return "simulated:" + name;
    }

    @Override
    public synchronized ExecResult exec(String command, Duration timeout) throws TransportException {
        if (command.equals("systemctl restart kubelet") || command.equals("systemctl start kubelet")) {
            if (kubelet != null) kubelet.stop();
            kubelet = new SimulatedKubelet(runtime, shim.root, name, version, kubeletOptions);
            kubelet.start();
            return ok("");
        }
        if (command.equals("systemctl stop kubelet")) {
            if (kubelet != null) kubelet.stop();
            return ok("");
        }
        if (command.equals("systemctl is-active --quiet kubelet")) {
            SimulatedKubelet k = kubelet;
            return k != null && (k.state() == SimulatedKubelet.State.RUNNING || k.state() == SimulatedKubelet.State.READY)
                    ? ok("") : new ExecResult(3, "", "");
        }
        if (command.equals("systemctl restart kube-proxy")) {
            if (proxy != null) proxy.stop();
            proxy = new SimulatedKubeProxy(runtime, shim.root, name, version, SimulatedKubeProxy.Options.defaults());
            proxy.start();
            try {
                proxy.awaitStarted(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ok("");
        }
        if (command.equals("systemctl is-active --quiet kube-proxy")) {
            SimulatedKubeProxy p = proxy;
            return p != null && p.state() == SimulatedKubeProxy.State.RUNNING ? ok("") : new ExecResult(3, "", "");
        }
        if (command.startsWith("journalctl -u kubelet")) {
            return ok(kubelet == null ? "" : String.join("\n", kubelet.journal().last(20)));
        }
        if (command.startsWith("journalctl -u kube-proxy")) {
            return ok(proxy == null ? "" : String.join("\n", proxy.journal().last(20)));
        }
        if (command.startsWith("curl") && command.contains(":10248/healthz")) {
            SimulatedKubelet k = kubelet;
            boolean serving = k != null && (k.state() == SimulatedKubelet.State.READY || k.state() == SimulatedKubelet.State.RUNNING);
            return serving ? ok("ok") : new ExecResult(7, "", "");
        }
        if (command.startsWith("curl") && command.contains(":10256/healthz")) {
            return proxy != null && proxy.healthz() == 200 ? ok("{}") : new ExecResult(22, "", "");
        }
        if (command.startsWith("ipvsadm") || command.startsWith("nft ") || command.startsWith("iptables-save")) {
            return proxy != null && proxy.rulesSynced() ? ok("") : new ExecResult(1, "", "");
        }
        return shim.exec(command, timeout);
    }

    private static ExecResult ok(String out) {
        return new ExecResult(0, out, "");
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths) throws TransportException {
        return shim.sha256(paths);
    }

    @Override
    public Optional<String> readText(String path) throws TransportException {
        return shim.readText(path);
    }

    @Override
    public PushResult push(List<RemoteFile> files) throws TransportException {
        return shim.push(files);
    }

    @Override
    public Optional<Negotiated> negotiated() {
        return Optional.empty();
    }

    @Override
    public void close() {
        // the node outlives one run's connection, as a real node does
    }

    void shutdown() {
        if (kubelet != null) kubelet.stop();
        if (proxy != null) proxy.stop();
    }
}
