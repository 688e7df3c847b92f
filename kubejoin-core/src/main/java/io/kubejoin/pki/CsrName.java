package io.kubejoin.pki;

/**
 * One entry of a cfssl CSR's {@code names} list. Empty fields are null.
 *
 * @param c  country (C)
 * @param st state or province (ST)
 * @param l  locality (L)
 * @param o  organization (O): Kubernetes reads it as the user's group
 * @param ou organizational unit (OU)
 * @param e  e-mail address (E, cfssl's emailAddress attribute)
 */
public record CsrName(String c, String st, String l, String o, String ou, String e) {
    public CsrName {
        c = blankToNull(c);
        st = blankToNull(st);
        l = blankToNull(l);
        o = blankToNull(o);
        ou = blankToNull(ou);
        e = blankToNull(e);
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
