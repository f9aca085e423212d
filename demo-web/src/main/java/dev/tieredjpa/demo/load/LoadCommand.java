package dev.tieredjpa.demo.load;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code java -jar demo-web.jar load ...}: parses the flags, runs a {@link LoadGenerator}, answers an exit code. */
public final class LoadCommand {

    /** The run finished (whatever its errors: they are in the report). */
    public static final int OK = 0;
    /** The node could not be reached, or refused to seed. */
    public static final int FAILED = 1;
    /** A bad flag. */
    public static final int USAGE_ERROR = 2;

    private LoadCommand() {
    }

    /**
     * @param args the flags after {@code load}
     * @param terminal whether {@code out} is a terminal (the progress line then rewrites itself)
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) throws InterruptedException {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.println(LoadOptions.USAGE);
            return OK;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("load: " + e.getMessage());
            err.println();
            err.println(LoadOptions.USAGE);
            return USAGE_ERROR;
        }
        try {
            new LoadGenerator(options, out, terminal).run();
            return OK;
        } catch (LoadGenerator.LoadFailedException e) {
            err.println("load: " + e.getMessage());
            return FAILED;
        }
    }
}
