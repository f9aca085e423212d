package dev.tieredjpa.repository;

import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.util.Map;

/** Users: read through the cache, written through to the database. */
public final class UserRepository extends EntityRepository<User, Long> {

    private static final Transactions.ConstraintFields CONSTRAINTS =
            new Transactions.ConstraintFields("user", Map.of("users_email_uk", "email"), Map.of());

    private final Clock clock;

    UserRepository(Transactions transactions, Clock clock) {
        super(transactions, User.class, User::getVersion, CONSTRAINTS);
        this.clock = clock;
    }

    /**
     * Stores a new user.
     *
     * @throws ConstraintRejectedException naming {@code email} when another user has that email
     */
    public User create(String email, String name) {
        return insert(new User(email, name, clock.instant()));
    }

    /**
     * Removes the user's sessions with a bulk delete before the user: the database would cascade them
     * anyway, but only a delete that Hibernate sees also evicts them from the second-level cache.
     */
    @Override
    void beforeDelete(EntityManager em, User user) {
        em.createQuery("delete from " + UserSession.class.getSimpleName() + " s where s.userId = :userId")
                .setParameter("userId", user.getId())
                .executeUpdate();
    }
}
