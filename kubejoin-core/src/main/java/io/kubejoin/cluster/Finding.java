package io.kubejoin.cluster;

/**
 * One result of the control-plane preflight.
 *
 * @param level   OK, WARN (the join can go on) or FAIL (it must not)
 * @param check   short name of the check ("bootstrap-token-auth", "controller-manager", "version-skew", ...)
 * @param message what was found
 * @param fix     what to do, empty for OK
 */
public record Finding(Level level, String check, String message, String fix) {
    public enum Level { OK, WARN, FAIL }

    public static Finding ok(String check, String message) {
        return new Finding(Level.OK, check, message, "");
    }

    public static Finding warn(String check, String message, String fix) {
        return new Finding(Level.WARN, check, message, fix);
    }

    public static Finding fail(String check, String message, String fix) {
        return new Finding(Level.FAIL, check, message, fix);
    }

    public String format() {
        return level.name().toLowerCase() + ": " + check + ": " + message + (fix.isEmpty() ? "" : " — " + fix);
    }
}
