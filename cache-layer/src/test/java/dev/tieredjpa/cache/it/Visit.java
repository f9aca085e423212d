package dev.tieredjpa.cache.it;

import dev.tieredjpa.cache.CachePolicy;
import dev.tieredjpa.cache.WriteBehindDurability;
import dev.tieredjpa.cache.WritePolicy;
import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/** A write-behind test entity: touched often, like a session. */
@Entity
@Table(name = "visits")
@Cacheable
// MEMORY: the write-behind tests watch the queue at work, on one Redis without replicas (where REPLICA
// durability writes every write through). WriteBehindReplicaDurabilityTest sets REPLICA by property.
@CachePolicy(write = WritePolicy.WRITE_BEHIND, writeBehindDelay = "100ms", batchSize = 200, maxRetries = 3,
        writeBehindDurability = WriteBehindDurability.MEMORY)
public class Visit {

    @Id
    @Column(length = 64)
    private String id;

    @Column(nullable = false)
    private long hits;

    /** Unique, so that a test can make a record that the database refuses (a poison record). */
    @Column(unique = true)
    private String label;

    private Instant lastSeen;

    @Version
    private long version;

    protected Visit() {
    }

    public Visit(String id, long hits, String label) {
        this.id = id;
        this.hits = hits;
        this.label = label;
    }

    public String getId() { return id; }
    public long getHits() { return hits; }
    public void setHits(long hits) { this.hits = hits; }
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    public Instant getLastSeen() { return lastSeen; }
    public void setLastSeen(Instant lastSeen) { this.lastSeen = lastSeen; }
    public long getVersion() { return version; }
}
