package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.internal.l2.LuaScript;

/**
 * The Lua scripts of {@link WriteBehindQueue}. Those that touch L2 entries are built on the L2 entry
 * prelude ({@link LuaScript#onEntries}), so the pin, the fence and the expiry rules are the ones
 * {@code RedisEntryStore} uses; their {@code ARGV[1]} is the tombstone TTL in ms. Every key of one call
 * carries the entity's hash tag, so each call runs on one Redis Cluster slot.
 *
 * <p>Replies: {@link #ENQUEUE} {@code {0, streamId}} stored, or {@code {code, currentVersion}} refused
 * (1 queue full, 2 older version, 3 locked); {@link #ACKNOWLEDGE} the number of entries unpinned;
 * {@link #DEAD_LETTER} {@code {moved, deadStreamId, dropped, foreign}}: {@code moved} 0 when the record was
 * gone already (then {@code deadStreamId} is empty), {@code dropped} 1 when the record's pinned state was
 * dropped, {@code foreign} 1 when a key of another type stood at the dead-letter stream's name and was
 * deleted; {@link #LAG} the oldest record's age in ms, {@code -1} for an empty stream;
 * {@link #REMOVE_FOREIGN} the type of the key it deleted, or empty.
 */
final class WriteBehindScripts {

    static final int STORED = 0;
    static final int REFUSED_QUEUE_FULL = 1;
    static final int REFUSED_OLDER_VERSION = 2;
    static final int REFUSED_LOCKED = 3;

    /**
     * KEYS: entry, stream. ARGV: tombstoneTtl, keyText, version, op ('U' | 'D'), data ('' for 'D'),
     * maxQueueLength. The one step of a write-behind write: checks, then the entry's new state, pinned,
     * and the stream record, or nothing at all.
     */
    static final LuaScript ENQUEUE = LuaScript.onEntries("writeBehindEnqueue", """
            open(KEYS[1])
            local stream = KEYS[2]
            local keyText, version, op, data, maxLen = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
            local function refuse(code)
              local current = vmax(s.v, s.tv) or '-1'
              if dirty then finish(nil) end
              return {code, current}
            end
            if redis.call('XLEN', stream) >= maxLen then return refuse(1) end
            sweepExpiredLocks()
            if fence(version) then return refuse(2) end
            if isLocked() then return refuse(3) end
            -- a loader that started before this write must not land: its lease goes
            dropLease()
            if op == 'U' then
              store(version, data)
            else
              dropData()
              dropTombstone()
              s.v = version; s.pd = true
              redis.call('HSET', key, 'v', version, 'pd', '1')
            end
            s.p = version
            redis.call('HSET', key, 'p', version)
            redis.call('PERSIST', key)
            local fields = {'k', keyText, 'v', version, 'op', op}
            if op == 'U' then fields[#fields + 1] = 'd'; fields[#fields + 1] = data end
            fields[#fields + 1] = 't'; fields[#fields + 1] = ms(now)
            return {0, redis.call('XADD', stream, '*', unpack(fields))}
            """);

    /**
     * KEYS: stream, then one entry per record. ARGV: tombstoneTtl, group, l2Ttl, then per record its stream
     * id and version. Acknowledges and deletes each record; unpins each entry still pinned by that record's
     * version (a newer pending write keeps its pin): an upsert gets the L2 TTL back, a delete becomes a
     * plain tombstone for tombstoneTtl.
     */
    static final LuaScript ACKNOWLEDGE = LuaScript.onEntries("writeBehindAcknowledge", """
            local stream, group, l2Ttl = KEYS[1], ARGV[2], tonumber(ARGV[3])
            local unpinned = 0
            for i = 2, #KEYS do
              local id, version = ARGV[2 * i], ARGV[2 * i + 1]
              redis.call('XACK', stream, group, id)
              redis.call('XDEL', stream, id)
              open(KEYS[i])
              if s.p == version then
                local deleted = not s.d
                unpin()
                if deleted then
                  tombstone(version)
                  finish(nil)
                else
                  finish(l2Ttl)
                end
                unpinned = unpinned + 1
              elseif dirty then
                finish(nil)
              end
            end
            return unpinned
            """);

    /**
     * KEYS: stream, dead-letter stream, and the record's entry (absent for a record too malformed to name
     * one). ARGV: tombstoneTtl, group, streamId, reason. Copies the record as the stream holds it, plus
     * {@code id}, {@code reason}, {@code deliveries} and {@code at}, to the dead-letter stream; acknowledges
     * and deletes the original; and, if the entry is still pinned by that record's version, unpins it and
     * tombstones it at the highest version it knows, so that readers fall back to the database. A key of
     * another type at the dead-letter stream's name is deleted first: left there, it would fail the
     * {@code XADD} after the {@code XDEL}, and the record would be neither in the stream nor a dead letter.
     * Every read that can fail comes before the first change.
     */
    static final LuaScript DEAD_LETTER = LuaScript.onEntries("writeBehindDeadLetter", """
            local stream, dead = KEYS[1], KEYS[2]
            local group, id, reason = ARGV[2], ARGV[3], ARGV[4]
            local found = redis.call('XRANGE', stream, id, id)
            local deliveries = 0
            local pending = redis.call('XPENDING', stream, group, id, id, 1)
            if #pending > 0 then deliveries = pending[1][4] end
            local foreign = 0
            local deadKind = redis.call('TYPE', dead)
            deadKind = deadKind.ok or deadKind
            if deadKind ~= 'stream' and deadKind ~= 'none' then redis.call('DEL', dead); foreign = 1 end
            redis.call('XACK', stream, group, id)
            if #found == 0 then return {0, '', 0, foreign} end
            redis.call('XDEL', stream, id)
            local fields, version = {}, nil
            local raw = found[1][2]
            for i = 1, #raw, 2 do
              fields[#fields + 1] = raw[i]; fields[#fields + 1] = raw[i + 1]
              if raw[i] == 'v' then version = raw[i + 1] end
            end
            fields[#fields + 1] = 'id'; fields[#fields + 1] = id
            fields[#fields + 1] = 'reason'; fields[#fields + 1] = reason
            fields[#fields + 1] = 'deliveries'; fields[#fields + 1] = tostring(deliveries)
            fields[#fields + 1] = 'at'; fields[#fields + 1] = ms(now)
            local deadId = redis.call('XADD', dead, '*', unpack(fields))
            local dropped = 0
            if KEYS[3] and version then
              open(KEYS[3])
              if s.p == version then
                unpin()
                dropLease()
                tombstone(nil)
                finish(nil)
                dropped = 1
              elseif dirty then
                finish(nil)
              end
            end
            return {1, deadId, dropped, foreign}
            """);

    /**
     * KEYS: a stream's name. Deletes what stands there unless it is a stream (or nothing): a key of another
     * type (a string, a hash...) that some other client wrote, which fails every stream command. Answers the
     * type it deleted, or an empty string.
     */
    static final LuaScript REMOVE_FOREIGN = new LuaScript("writeBehindRemoveForeign", """
            -- tiered-jpa write-behind: remove a key of another type at a stream's name
            local kind = redis.call('TYPE', KEYS[1])
            kind = kind.ok or kind
            if kind == 'stream' or kind == 'none' then return '' end
            redis.call('DEL', KEYS[1])
            return kind
            """);

    /** KEYS: stream. The age of its oldest record by Redis' clock, in ms; -1 when it holds none. */
    static final LuaScript LAG = new LuaScript("writeBehindLag", """
            -- tiered-jpa write-behind: lag
            local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
            if #first == 0 then return -1 end
            local clock = redis.call('TIME')
            local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
            local age = now - tonumber(string.match(first[1][1], '^(%d+)'))
            if age < 0 then age = 0 end
            return age
            """);

    private WriteBehindScripts() {
    }
}
