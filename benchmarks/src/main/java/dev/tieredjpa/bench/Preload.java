package dev.tieredjpa.bench;

import dev.tieredjpa.cache.TieredEntities;
import dev.tieredjpa.domain.Product;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

/**
 * Fills a peer's caches with the whole catalogue before a workload, so that every peer is measured warm
 * (a service that has run for a while), not on how fast it warms. Each peer warms the way its users would:
 * ours with its batch warm-up ({@code TieredEntities.warm}: one pipelined Redis call per batch), the
 * others by reading the catalogue with paged queries, which put every entity into the second-level cache.
 * A shared cache (Redisson's) is filled from one node; per-JVM ones from each.
 */
final class Preload {

    private static final int PAGE = 1000;

    private Preload() {
    }

    static void warm(Nodes nodes, int products) {
        if (!nodes.peer().caches()) {
            return;
        }
        List<BenchNode> targets = nodes.peer() == Peer.REDISSON ? List.of(nodes.get(0)) : nodes.all();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (BenchNode node : targets) {
            running.add(CompletableFuture.runAsync(() -> warm(node, products)));
        }
        running.forEach(CompletableFuture::join);
    }

    private static void warm(BenchNode node, int products) {
        if (node.peer() == Peer.TIERED) {
            List<Long> ids = LongStream.rangeClosed(1, products).boxed().toList();
            TieredEntities.warm(node.emf(), Product.class, ids, PAGE, progress -> { });
            return;
        }
        for (long from = 1; from <= products; from += PAGE) {
            EntityManager em = node.emf().createEntityManager();
            try {
                em.createQuery("select p from Product p where p.id between :from and :to", Product.class)
                        .setParameter("from", from)
                        .setParameter("to", from + PAGE - 1)
                        .getResultList();
            } finally {
                em.close();
            }
        }
    }
}
