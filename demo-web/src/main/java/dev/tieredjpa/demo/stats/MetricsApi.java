package dev.tieredjpa.demo.stats;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * {@code GET /metrics}: the tiered cache's meters (and Hibernate's statistics) in the Prometheus text
 * format, from a Micrometer registry of this node.
 */
public final class MetricsApi {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public MetricsApi(List<MeterBinder> binders) {
        binders.forEach(binder -> binder.bindTo(registry));
    }

    public void register(RoutesConfig routes) {
        routes.get("/metrics", this::answer);
    }

    private void answer(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(registry.scrape());
    }
}
