package dev.tieredjpa.repository;

import dev.tieredjpa.domain.UserSession;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Login sessions: created at login, found by token and extended on every request, until they expire
 * after {@link #timeToLive()} without use.
 */
public final class SessionRepository extends EntityRepository<UserSession, String> {

    private static final Transactions.ConstraintFields CONSTRAINTS =
            new Transactions.ConstraintFields("session", Map.of(), Map.of("user_sessions_user_fk", "userId"));
    private static final SecureRandom TOKENS = new SecureRandom();

    private final Clock clock;
    private final Duration timeToLive;

    SessionRepository(Transactions transactions, Clock clock, Duration timeToLive) {
        super(transactions, UserSession.class, UserSession::getVersion, CONSTRAINTS);
        this.clock = clock;
        this.timeToLive = timeToLive;
    }

    /** How long a session lives after its last use. */
    public Duration timeToLive() {
        return timeToLive;
    }

    /**
     * Opens a session for the user, with a new unguessable token (256 random bits).
     *
     * @throws ConstraintRejectedException naming {@code userId} when there is no such user
     */
    public UserSession create(long userId) {
        Instant now = clock.instant();
        return insert(new UserSession(newToken(), userId, now, now.plus(timeToLive)));
    }

    /** The session with this token, if it exists and has not expired. */
    public Optional<UserSession> findValid(String token) {
        Objects.requireNonNull(token, "token");
        Instant now = clock.instant();
        return findById(token).filter(session -> !session.isExpiredAt(now));
    }

    /** Records a use of the session now and extends it; empty when it does not exist or has expired. */
    public Optional<UserSession> touch(String token) {
        Objects.requireNonNull(token, "token");
        return inTransaction(em -> {
            Instant now = clock.instant();
            UserSession session = em.find(UserSession.class, token);
            if (session == null || session.isExpiredAt(now)) {
                return Optional.empty();
            }
            session.touch(now, now.plus(timeToLive));
            em.flush();
            return Optional.of(session);
        });
    }

    /** Deletes every session that has expired; returns how many. */
    public int deleteExpired() {
        return inTransaction(em -> em.createQuery("delete from UserSession s where s.expiresAt <= :now")
                .setParameter("now", clock.instant())
                .executeUpdate());
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        TOKENS.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
