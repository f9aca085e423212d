package dev.tieredjpa.repository;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.hibernate.StaleStateException;
import org.hibernate.exception.ConstraintViolationException;

/**
 * Runs repository work in an EntityManager of its own, inside a resource-local transaction, and turns
 * the database's refusals into the repository's exceptions. A failed transaction is rolled back, and
 * no cache ever holds what it wrote: caches are only updated after a commit.
 */
final class Transactions {

    private final EntityManagerFactory entityManagerFactory;

    Transactions(EntityManagerFactory entityManagerFactory) {
        this.entityManagerFactory = entityManagerFactory;
    }

    /** Runs {@code work} in a transaction that commits when it returns and rolls back when it throws. */
    <R> R inTransaction(Function<EntityManager, R> work, ConstraintFields fields) {
        EntityManager entityManager = entityManagerFactory.createEntityManager();
        EntityTransaction transaction = entityManager.getTransaction();
        try {
            transaction.begin();
            R result = work.apply(entityManager);
            transaction.commit();
            return result;
        } catch (RuntimeException e) {
            if (transaction.isActive()) {
                transaction.rollback();
            }
            throw fields.translate(e);
        } finally {
            entityManager.close();
        }
    }

    /** Runs {@code work} outside a transaction: reads that may be served from the second-level cache. */
    <R> R read(Function<EntityManager, R> work) {
        EntityManager entityManager = entityManagerFactory.createEntityManager();
        try {
            return work.apply(entityManager);
        } finally {
            entityManager.close();
        }
    }

    /**
     * Which entity field each named database constraint guards: {@code users_email_uk -> email}. Lets a
     * refused write name the field at fault.
     */
    record ConstraintFields(String entity, Map<String, String> uniqueFields, Map<String, String> referenceFields) {

        RuntimeException translate(RuntimeException failure) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (cause instanceof StaleVersionException || cause instanceof ConstraintRejectedException) {
                    return (RuntimeException) cause;
                }
                if (cause instanceof OptimisticLockException || cause instanceof StaleStateException) {
                    return new StaleVersionException(entity, null, null, null, failure);
                }
                if (cause instanceof ConstraintViolationException violation) {
                    RuntimeException known = translate(violation, failure);
                    if (known != null) {
                        return known;
                    }
                }
            }
            return failure;
        }

        private RuntimeException translate(ConstraintViolationException violation, RuntimeException failure) {
            // Databases differ in case and in whether they quote the name: H2 says "PUBLIC.USERS_EMAIL_UK ...".
            String said = (violation.getConstraintName() + " " + violation.getSQLException().getMessage()).toLowerCase(Locale.ROOT);
            for (var unique : uniqueFields.entrySet()) {
                if (said.contains(unique.getKey())) {
                    return new ConstraintRejectedException(ConstraintRejectedException.Reason.DUPLICATE_VALUE, unique.getValue(),
                            "another " + entity + " already has this " + unique.getValue(), failure);
                }
            }
            for (var reference : referenceFields.entrySet()) {
                if (said.contains(reference.getKey())) {
                    return new ConstraintRejectedException(ConstraintRejectedException.Reason.UNKNOWN_REFERENCE, reference.getValue(),
                            reference.getValue() + " names nothing that exists", failure);
                }
            }
            return null;
        }
    }
}
