package dev.tieredjpa.bench;

import dev.tieredjpa.testsupport.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;

/** The products a benchmark reads: ids {@code 1..size}, inserted in JDBC batches, with their versions. */
final class Catalog {

    private final DataSource pool;
    private final int size;

    private Catalog(DataSource pool, int size) {
        this.pool = pool;
        this.size = size;
    }

    static Catalog seed(TestDatabase database, int size) {
        DataSource pool = database.newDataSource(1);
        String sql = "insert into products (sku, name, description, price, updated_at, version) values (?, ?, ?, ?, ?, 0)";
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection connection = pool.getConnection(); PreparedStatement insert = connection.prepareStatement(sql)) {
            for (int i = 1; i <= size; i++) {
                insert.setString(1, "SKU-" + i);
                insert.setString(2, "Product " + i);
                insert.setString(3, "A product of the benchmark catalogue, number " + i + ", with a description of a realistic length.");
                insert.setBigDecimal(4, BigDecimal.valueOf(1000 + i % 9000, 2));
                insert.setTimestamp(5, now);
                insert.addBatch();
                if (i % 1000 == 0 || i == size) {
                    insert.executeBatch();
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("could not seed " + size + " products", e);
        }
        Catalog catalog = new Catalog(pool, size);
        long lowest = catalog.versionsById()[1];
        if (size > 0 && lowest != 0) {
            throw new IllegalStateException("the seeded ids do not start at 1");
        }
        return catalog;
    }

    int size() {
        return size;
    }

    /** Each product's committed version, indexed by id (index 0 unused). */
    long[] versionsById() {
        long[] versions = new long[size + 1];
        java.util.Arrays.fill(versions, -1);
        try (Connection connection = pool.getConnection();
             PreparedStatement select = connection.prepareStatement("select id, version from products");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                long id = rows.getLong(1);
                if (id >= 1 && id <= size) {
                    versions[(int) id] = rows.getLong(2);
                }
            }
            connection.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the products' versions", e);
        }
        return versions;
    }
}
