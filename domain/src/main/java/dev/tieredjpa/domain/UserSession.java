package dev.tieredjpa.domain;

import dev.tieredjpa.cache.CachePolicy;
import dev.tieredjpa.cache.WritePolicy;
import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.Objects;

/**
 * A login session, found by its opaque token and touched on every request: the write-heavy entity.
 *
 * <p>The owner is kept as a plain id rather than an association: a session is read and written on
 * its own, and a flat row is what a write-behind record carries.
 */
@Entity
@Table(name = "user_sessions")
@Cacheable
@CachePolicy(write = WritePolicy.WRITE_BEHIND, writeBehindDelay = "200ms", l2Ttl = "30m")
public class UserSession {

    @Id
    @NotBlank
    @Size(max = 64)
    @Column(name = "token", nullable = false, length = 64)
    private String token;

    @NotNull
    @Column(name = "user_id", nullable = false, updatable = false)
    private Long userId;

    @NotNull
    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @NotNull
    @Column(name = "last_seen_at", nullable = false)
    private Instant lastSeenAt;

    @NotNull
    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Version
    @Column(name = "version", nullable = false)
    private long version;

    protected UserSession() {
        // for JPA
    }

    public UserSession(String token, Long userId, Instant createdAt, Instant expiresAt) {
        this.token = token;
        this.userId = userId;
        this.createdAt = createdAt;
        this.lastSeenAt = createdAt;
        this.expiresAt = expiresAt;
    }

    /** Records a use of the session at {@code now} and moves its expiry to {@code newExpiry}. */
    public void touch(Instant now, Instant newExpiry) {
        this.lastSeenAt = now;
        this.expiresAt = newExpiry;
    }

    /** Whether the session has expired at {@code now}. */
    public boolean isExpiredAt(Instant now) {
        return !expiresAt.isAfter(now);
    }

    public String getToken() {
        return token;
    }

    public Long getUserId() {
        return userId;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getLastSeenAt() {
        return lastSeenAt;
    }

    public Instant getExpiresAt() {
        return expiresAt;
    }

    public long getVersion() {
        return version;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof UserSession that && token != null && token.equals(that.token));
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(token);
    }

    @Override
    public String toString() {
        // The token is a credential: never print it whole.
        return "UserSession{token=" + (token == null ? null : token.substring(0, Math.min(6, token.length())) + "…")
                + ", userId=" + userId + ", expiresAt=" + expiresAt + ", version=" + version + "}";
    }
}
