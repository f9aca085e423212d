package dev.tieredjpa.bench;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * How names and figures are shown, the same in the charts and in the report: peers by their label,
 * databases by their product name, times with the digits that matter, and always with a dot for the
 * decimal point whatever the machine's locale.
 */
final class Labels {

    private static final DecimalFormatSymbols ROOT = DecimalFormatSymbols.getInstance(Locale.ROOT);

    private Labels() {
    }

    /** A {@link Peer} name as its label; anything else as it is. */
    static String peer(String name) {
        try {
            return Peer.valueOf(name).label();
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    /** The peer named (by its enum name, or by its label), or null when the name is not one. */
    static Peer peerOrNull(String name) {
        for (Peer peer : Peer.values()) {
            if (peer.name().equals(name) || peer.label().equals(name)) {
                return peer;
            }
        }
        return null;
    }

    static String db(String name) {
        return "POSTGRES".equals(name) ? "PostgreSQL" : name;
    }

    /** A time or any measure: three significant digits at most, no trailing zeros, no exponent. */
    static String num(double value) {
        if (Double.isNaN(value)) {
            return "–";
        }
        double abs = Math.abs(value);
        String pattern = abs == 0 || abs >= 1000 ? "#,##0" : abs >= 100 ? "0" : abs >= 10 ? "0.#" : abs >= 1 ? "0.##" : "0.###";
        return new DecimalFormat(pattern, ROOT).format(value);
    }

    /** A count or a rate: whole, with thousands grouped. */
    static String whole(double value) {
        return Double.isNaN(value) ? "–" : new DecimalFormat("#,##0", ROOT).format(value);
    }

    /** A rate in short form for a bar's label: 182k, 2.4M. */
    static String shortRate(double value) {
        if (value >= 1_000_000) {
            return new DecimalFormat("0.0", ROOT).format(value / 1_000_000) + "M";
        }
        if (value >= 10_000) {
            return new DecimalFormat("0", ROOT).format(value / 1000) + "k";
        }
        if (value >= 1000) {
            return new DecimalFormat("0.0", ROOT).format(value / 1000) + "k";
        }
        return new DecimalFormat("0", ROOT).format(value);
    }

    /** A ratio as a multiple: 0.42×. */
    static String ratio(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "–";
        }
        String pattern = value >= 100 ? "#,##0" : value >= 10 ? "0.0" : "0.00";
        return new DecimalFormat(pattern, ROOT).format(value) + "×";
    }
}
