package dev.tieredjpa.demo.web;

import io.javalin.config.StaticFilesConfig;
import io.javalin.http.staticfiles.Location;
import java.util.Map;

/**
 * The HTML pages: static files from the jar's {@code /public} folder, served at {@code /} ({@code /},
 * {@code /users.html}, {@code /products.html}, {@code /product.html?id=}, {@code /sessions.html},
 * {@code /stats.html}). They are plain HTML and JavaScript that call the JSON API under {@code /api}; the
 * chart library of the stats page is vendored under {@code /vendor}, so the pages need no network.
 */
public final class Pages {

    /** Where the pages live on the classpath. */
    public static final String CLASSPATH_FOLDER = "/public";

    private Pages() {
    }

    public static void register(StaticFilesConfig staticFiles) {
        staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = CLASSPATH_FOLDER;
            files.location = Location.CLASSPATH;
            // Revalidate on each load: a page and its scripts change together when the jar does.
            files.headers = Map.of("Cache-Control", "no-cache");
        });
    }
}
