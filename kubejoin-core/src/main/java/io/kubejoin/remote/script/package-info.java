/**
 * Every shell script kubejoin sends to a node, and nothing else: {@link io.kubejoin.remote.script.Sh} quotes,
 * {@link io.kubejoin.remote.script.NodeScript} builds the sectioned and exit-coded scripts, one class per family makes
 * them. Pure text (no I/O); each script has a golden text, a dash/bash syntax check and a differential test against
 * the sandbox's NodeShell.
 */
package io.kubejoin.remote.script;
