package dev.tieredjpa.repository;

import dev.tieredjpa.cache.WriteBehindRejectedException;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.domain.UserSession;
import jakarta.persistence.OptimisticLockException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * Login sessions: created at login, found by token and extended on every request, until they expire
 * after {@link #timeToLive()} without use.
 *
 * <p>Sessions are written behind (their policy, from {@code @CachePolicy} on {@link UserSession}): a
 * create, touch or delete goes to L2 and a durable Redis stream at once and reaches the database in
 * batches, a thousand touches of one session coalescing into one row write. If the policy is overridden
 * to write-through, the same calls write in a transaction.
 */
public final class SessionRepository {

    private static final Transactions.ConstraintFields CONSTRAINTS =
            new Transactions.ConstraintFields("session", Map.of(), Map.of("user_sessions_user_fk", "userId"));
    private static final SecureRandom TOKENS = new SecureRandom();
    /** Concurrent touches of one session race on its version; the loser simply touches again. */
    private static final int TOUCH_ATTEMPTS = 5;

    private final Transactions transactions;
    private final WriteBehindStore<UserSession> writeBehind;
    private final LongPredicate userExists;
    private final Clock clock;
    private final Duration timeToLive;

    /**
     * @param writeBehind the write-behind store, or null when the session policy is write-through
     * @param userExists  whether a user id names a user (a write-behind create cannot wait for the
     *                    database's foreign key to say so)
     */
    SessionRepository(Transactions transactions, WriteBehindStore<UserSession> writeBehind, LongPredicate userExists,
                      Clock clock, Duration timeToLive) {
        this.transactions = transactions;
        this.writeBehind = writeBehind;
        this.userExists = userExists;
        this.clock = clock;
        this.timeToLive = timeToLive;
    }

    /** How long a session lives after its last use. */
    public Duration timeToLive() {
        return timeToLive;
    }

    /** Whether sessions are written behind (else through). */
    public boolean isWriteBehind() {
        return writeBehind != null;
    }

    /**
     * Opens a session for the user, with a new unguessable token (256 random bits).
     *
     * @throws ConstraintRejectedException  naming {@code userId} when there is no such user
     * @throws WriteBehindRejectedException when the write-behind queue is full
     */
    public UserSession create(long userId) {
        Instant now = clock.instant();
        UserSession session = new UserSession(newToken(), userId, now, now.plus(timeToLive));
        if (writeBehind == null) {
            return transactions.inTransaction(em -> {
                em.persist(session);
                em.flush();
                return session;
            }, CONSTRAINTS);
        }
        if (!userExists.test(userId)) {
            throw new ConstraintRejectedException(ConstraintRejectedException.Reason.UNKNOWN_REFERENCE, "userId",
                    "userId names nothing that exists", null);
        }
        return writeBehind.insert(session);
    }

    /** The session with this token, whether or not it has expired (its pending state, if it has one). */
    public Optional<UserSession> findById(String token) {
        Objects.requireNonNull(token, "token");
        if (writeBehind != null) {
            return writeBehind.find(token);
        }
        return transactions.read(em -> Optional.ofNullable(em.find(UserSession.class, token)));
    }

    /**
     * The session with this token, if it exists, has not expired and its user still exists. A session
     * dies with its user: the database cascades the delete, but a write-behind session still waiting for
     * its flush is only in Redis, so its user is checked here (a cached read) and it is deleted if gone.
     */
    public Optional<UserSession> findValid(String token) {
        Instant now = clock.instant();
        Optional<UserSession> session = findById(token).filter(s -> !s.isExpiredAt(now));
        if (session.isPresent() && writeBehind != null && !userExists.test(session.get().getUserId())) {
            writeBehind.delete(token);
            return Optional.empty();
        }
        return session;
    }

    /** Records a use of the session now and extends it; empty when it does not exist or has expired. */
    public Optional<UserSession> touch(String token) {
        Objects.requireNonNull(token, "token");
        if (writeBehind == null) {
            return transactions.inTransaction(em -> {
                Instant now = clock.instant();
                UserSession session = em.find(UserSession.class, token);
                if (session == null || session.isExpiredAt(now)) {
                    return Optional.empty();
                }
                session.touch(now, now.plus(timeToLive));
                em.flush();
                return Optional.of(session);
            }, CONSTRAINTS);
        }
        for (int attempt = 1; ; attempt++) {
            Instant now = clock.instant();
            Optional<UserSession> found = findValid(token);
            if (found.isEmpty()) {
                return found;
            }
            found.get().touch(now, now.plus(timeToLive));
            try {
                return Optional.of(writeBehind.save(found.get()));
            } catch (OptimisticLockException concurrentTouch) {
                if (attempt == TOUCH_ATTEMPTS) {
                    throw new StaleVersionException("UserSession", token, null, null, concurrentTouch);
                }
            }
        }
    }

    /** Deletes the session; false when there was none. */
    public boolean delete(String token) {
        Objects.requireNonNull(token, "token");
        if (writeBehind != null) {
            return writeBehind.delete(token);
        }
        return transactions.inTransaction(em -> {
            UserSession session = em.find(UserSession.class, token);
            if (session == null) {
                return false;
            }
            em.remove(session);
            return true;
        }, CONSTRAINTS);
    }

    /** The write-behind queue's depth, lag and work done; empty when sessions are written through. */
    public Optional<WriteBehindStats> writeBehindStats() {
        return writeBehind == null ? Optional.empty() : Optional.of(writeBehind.stats());
    }

    /** Deletes every session whose expiry has passed in the database; returns how many. */
    public int deleteExpired() {
        return transactions.inTransaction(em -> em.createQuery("delete from UserSession s where s.expiresAt <= :now")
                .setParameter("now", clock.instant())
                .executeUpdate(), CONSTRAINTS);
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        TOKENS.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
