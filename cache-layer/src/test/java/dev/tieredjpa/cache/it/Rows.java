package dev.tieredjpa.cache.it;

import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The test entities' rows written and read with plain JDBC, past every cache (to set up a row that no tier
 * holds, and to check what the database really has), and the texts of their cache keys.
 */
final class Rows {

    static final String ITEMS = "items";
    static final String ITEM_TAGS = "item-tags";
    static final String ITEM_CODES = "item-codes";
    static final String NOTES = "notes";
    static final String COUNTRIES = "countries";

    private Rows() {
    }

    /** What the items table holds for one row. */
    record ItemRow(String name, long version) {
    }

    static String itemKey(long id) {
        return Item.class.getName() + "#" + id;
    }

    static String tagsKey(long id) {
        return Item.class.getName() + ".tags#" + id;
    }

    static String itemCodeKey(String code) {
        return Item.class.getName() + "##" + code;
    }

    static String noteKey(long id) {
        return Note.class.getName() + "#" + id;
    }

    static String countryKey(String code) {
        return Country.class.getName() + "#" + code;
    }

    /** What this node's L1 holds for the key (value and version), without counting a hit or a miss. */
    static L1Entry peekL1(Node node, String region, String keyText) {
        return node.runtime().regions().get(region).peekL1(keyText);
    }

    /** The L2 entry (Redis hash) as it is now. */
    static EntrySnapshot inspect(Node node, String region, String keyText) {
        return node.runtime().store().inspect(region, keyText);
    }

    /** The item's tags read through the node (entity, then its collection, in one EntityManager); null when no item. */
    static Set<String> tagsThroughNode(Node node, long id) {
        var em = node.emf().createEntityManager();
        try {
            Item item = em.find(Item.class, id);
            return item == null ? null : new TreeSet<>(item.getTags());
        } finally {
            em.close();
        }
    }

    /** Inserts (and commits) an ACTIVE item at {@code version}, with these tags, straight into the database. */
    static void insertItem(DataSource dataSource, long id, String code, String name, long version, String... tags) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement(
                    "insert into items (id, code, name, price, status, version) values (?, ?, ?, ?, ?, ?)")) {
                insert.setLong(1, id);
                insert.setString(2, code);
                insert.setString(3, name);
                insert.setBigDecimal(4, new BigDecimal("9.90"));
                insert.setString(5, Item.Status.ACTIVE.name());
                insert.setLong(6, version);
                insert.executeUpdate();
            }
            for (String tag : tags) {
                try (PreparedStatement insert = connection.prepareStatement("insert into item_tags (item_id, tag) values (?, ?)")) {
                    insert.setLong(1, id);
                    insert.setString(2, tag);
                    insert.executeUpdate();
                }
            }
            commit(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not insert item " + id, e);
        }
    }

    /** The test pools hand out connections with auto-commit off. */
    private static void commit(Connection connection) throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    /** The item's row, or empty when the database has none. */
    static Optional<ItemRow> item(DataSource dataSource, long id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select name, version from items where id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new ItemRow(row.getString(1), row.getLong(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read item " + id, e);
        }
    }

    /** The item's tags as the database has them, sorted. */
    static Set<String> tags(DataSource dataSource, long id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select tag from item_tags where item_id = ?")) {
            select.setLong(1, id);
            Set<String> tags = new TreeSet<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    tags.add(row.getString(1));
                }
            }
            return tags;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the tags of item " + id, e);
        }
    }

    /** The note's text as the database has it, or empty when it has no such note. */
    static Optional<String> noteText(DataSource dataSource, long id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select text from notes where id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read note " + id, e);
        }
    }

    /** Inserts (and commits) a note straight into the database. */
    static void insertNote(DataSource dataSource, long id, String text) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement("insert into notes (id, text) values (?, ?)")) {
            insert.setLong(1, id);
            insert.setString(2, text);
            insert.executeUpdate();
            commit(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not insert note " + id, e);
        }
    }

    /** The country's name as the database has it, or empty when it has no such country. */
    static Optional<String> countryName(DataSource dataSource, String code) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select name from countries where code = ?")) {
            select.setString(1, code);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read country " + code, e);
        }
    }

    /** Items 1..count, named {@code item-<id>}, straight into the database (no tier holds them). */
    static void insertItems(DataSource dataSource, int count) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                     "insert into items (id, code, name, price, status, version) values (?, ?, ?, ?, ?, ?)")) {
            for (long id = 1; id <= count; id++) {
                insert.setLong(1, id);
                insert.setString(2, "I-" + id);
                insert.setString(3, "item-" + id);
                insert.setBigDecimal(4, new BigDecimal("9.90"));
                insert.setString(5, Item.Status.ACTIVE.name());
                insert.setLong(6, 0);
                insert.addBatch();
            }
            insert.executeBatch();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not insert the items", e);
        }
    }
}
