package io.kubejoin.remote;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Which files a push must write, which only need chmod/chown, and which are already right. */
record PushPlan(List<RemoteFile> write, List<RemoteFile> fixModeOnly, List<RemoteFile> unchanged) {

    static PushPlan of(List<RemoteFile> files, Map<String, RemotePaths.RemoteState> remote, boolean checkOwner) {
        List<RemoteFile> write = new ArrayList<>();
        List<RemoteFile> modeOnly = new ArrayList<>();
        List<RemoteFile> same = new ArrayList<>();
        for (RemoteFile f : files) {
            RemotePaths.RemoteState st = remote.get(f.path());
            if (st == null || !st.sha256().equals(f.sha256())) {
                write.add(f);
            } else if (st.mode() != f.mode() || (checkOwner && st.uid() != 0)) {
                modeOnly.add(f);
            } else {
                same.add(f);
            }
        }
        return new PushPlan(write, modeOnly, same);
    }

    PushResult result(List<RemoteFile> order, java.util.Set<String> backedUp) {
        List<PushResult.FileOutcome> out = new ArrayList<>();
        for (RemoteFile f : order) {
            boolean same = unchanged.stream().anyMatch(u -> u.path().equals(f.path()));
            out.add(new PushResult.FileOutcome(f.path(),
                    same ? PushResult.Status.UNCHANGED : PushResult.Status.CHANGED, backedUp.contains(f.path())));
        }
        return new PushResult(out);
    }
}
