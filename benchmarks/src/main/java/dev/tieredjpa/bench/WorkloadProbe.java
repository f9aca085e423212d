package dev.tieredjpa.bench;

import java.time.Duration;

/** Temporary: one workload per peer, printed. */
public final class WorkloadProbe {
    public static void main(String[] args) {
        Services.Db db = Services.Db.parse(args.length > 0 ? args[0] : "postgres");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        try (Services services = Services.start(db, n)) {
            int writes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
            java.util.List<Peer> peers = args.length > 3 ? java.util.Arrays.stream(args[3].split(",")).map(Peer::parse).toList() : java.util.List.of(Peer.values());
            for (Peer peer : peers) {
                var spec = new Workload.Spec(peer, db, "zipf", writes, 2, n, Duration.ofSeconds(2), Duration.ofSeconds(4));
                var r = Workload.run(spec, services, KeyChooser.zipfian(n, 0.99), nodes -> {
                    if (nodes.peer() == Peer.TIERED) {
                        for (BenchNode node : nodes.all()) {
                            node.tieredFactory().stats().regions().stream().filter(x -> x.name().endsWith("Product")).forEach(x -> System.out.println(node.name() + " " + x));
                        }
                    }
                });
                System.out.printf("%-20s ops/s %9.0f p50 %7.1f p99 %8.1f stmts/1k %7.1f stale %d/%d writes %d errors %d%n",
                        peer.label(), r.opsPerSecond(), r.p50Micros(), r.p99Micros(), r.statementsPer1000(), r.staleReads(), r.readsChecked(), r.writes(), r.errors());
            }
        }
    }
}
