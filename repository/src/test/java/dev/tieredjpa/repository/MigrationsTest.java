package dev.tieredjpa.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.PersistenceException;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.hibernate.tool.schema.spi.SchemaManagementException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Flyway owns the schema and Hibernate only validates it: the migrations build a schema from nothing
 * once, the entities match what they build, and a schema that does not match stops the unit from
 * starting, naming what is wrong.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MigrationsTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void migrate_emptyDatabase_appliesThreeMigrationsThenNone(Kind kind) {
        try (TestDatabase database = TestDatabases.create(kind)) {
            assertThat(RepositoriesFixture.migrate(database)).as("first migrate on %s", kind).isEqualTo(3);
            assertThat(RepositoriesFixture.migrate(database)).as("second migrate on %s", kind).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void build_migratedDatabase_passesSchemaValidationAndWorks(Kind kind) {
        try (TestDatabase database = TestDatabases.create(kind)) {
            RepositoriesFixture.migrate(database);

            try (Repositories repositories = Repositories.builder(database.newDataSource(2))
                    .redisUrl(TestRedis.endpoint().url()).keyPrefix(TestRedis.newKeyPrefix("repository")).build()) {
                assertThat(repositories.entityManagerFactory().getProperties())
                        .containsEntry("hibernate.hbm2ddl.auto", "validate");
                long userId = repositories.users().create("ada@example.com", "Ada").getId();
                repositories.sessions().create(userId);
                long productId = repositories.products().create("SKU-1", "Lamp", null, new BigDecimal("19.90")).getId();
                assertThat(repositories.products().findById(productId)).isPresent();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void build_columnMissing_failsNamingTheColumn(Kind kind) {
        try (TestDatabase database = TestDatabases.create(kind)) {
            RepositoriesFixture.migrate(database);
            RepositoriesFixture.execute(database, "ALTER TABLE products DROP COLUMN description");

            // Hibernate's own message is generic; the column is named by the cause it attaches.
            assertThatThrownBy(() -> Repositories.builder(database.newDataSource(2))
                    .redisUrl(TestRedis.endpoint().url()).keyPrefix(TestRedis.newKeyPrefix("repository")).build().close())
                    .isInstanceOf(PersistenceException.class)
                    .hasMessageStartingWith("Unable to build Hibernate SessionFactory")
                    .rootCause()
                    .isInstanceOf(SchemaManagementException.class)
                    .hasMessage("Schema validation: missing column [description] in table [products]");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void build_unmigratedDatabase_failsNamingAMissingTable(Kind kind) {
        try (TestDatabase database = TestDatabases.create(kind)) {
            // Which missing table Hibernate reports first is its choice; that it reports one is the promise.
            assertThatThrownBy(() -> Repositories.builder(database.newDataSource(2))
                    .redisUrl(TestRedis.endpoint().url()).keyPrefix(TestRedis.newKeyPrefix("repository")).build().close())
                    .isInstanceOf(PersistenceException.class)
                    .hasMessageStartingWith("Unable to build Hibernate SessionFactory")
                    .rootCause()
                    .isInstanceOf(SchemaManagementException.class)
                    .hasMessageMatching("Schema validation: missing table \\[(users|products|user_sessions)\\]");
        }
    }
}
