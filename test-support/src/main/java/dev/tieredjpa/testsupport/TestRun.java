package dev.tieredjpa.testsupport;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** This test run's identity, mixed into every database name and Redis key prefix it makes. */
public final class TestRun {

    /** Eight hex digits, new for each JVM. */
    public static final String ID = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    private TestRun() {
    }
}
