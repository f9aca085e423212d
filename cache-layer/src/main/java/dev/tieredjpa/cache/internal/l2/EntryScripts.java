package dev.tieredjpa.cache.internal.l2;

/**
 * The Lua scripts of {@link RedisEntryStore}, one per operation. Each works on one entry hash
 * ({@code KEYS[1]}) and reads the clock from Redis {@code TIME}, never from a JVM.
 *
 * <p>Every script but {@link #INSPECT} starts with {@link #PRELUDE}, which reads the whole hash into the
 * Lua table {@code s}, forgets an expired tombstone and an expired lease, and defines the few mutations
 * that the scripts compose. Mutations keep {@code s} and the hash in step, so {@code finish} can compute
 * the key's expiry from what is left (rule: no key lives forever).
 *
 * <p>Versions travel and are stored as canonical decimal strings ({@code "-1"} for unversioned data) and
 * are compared by {@code vcmp} digit by digit, never as Lua numbers: Lua numbers are doubles, exact only to
 * 2^53, and entity versions are Java longs. Times are milliseconds since the epoch, which doubles hold
 * exactly.
 *
 * <p>Replies: put-like scripts answer an integer, the {@link PutOutcome} code ({@link #STORED} ...).
 * {@link #GET} answers {@code {1, version, data}} (hit), {@code {2}} (locked), {@code {3, granted}} or
 * {@code {3, granted, holder}} (miss). Tables never hold {@code nil}, which would cut them short.
 */
final class EntryScripts {

    static final int STORED = 0;
    static final int REFUSED_LOCKED = 1;
    static final int REFUSED_LEASE_REVOKED = 2;
    static final int REFUSED_OLDER_VERSION = 3;
    static final int REFUSED_TOMBSTONE = 4;

    static final int HIT = 1;
    static final int LOCKED = 2;
    static final int MISS = 3;

    /** ARGV[1] of every script with the prelude: the tombstone TTL in ms. */
    private static final String PRELUDE = """
            if redis.replicate_commands then redis.replicate_commands() end
            local key = KEYS[1]
            local tombstoneTtl = tonumber(ARGV[1])
            local clock = redis.call('TIME')
            local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
            local dirty = false

            local function ms(n) return string.format('%.0f', n) end

            -- compares canonical decimal versions exactly; every negative one means "unversioned", the lowest
            local function vcmp(a, b)
              if a == b then return 0 end
              local an, bn = string.byte(a, 1) == 45, string.byte(b, 1) == 45
              if an ~= bn then if an then return -1 else return 1 end end
              if an then return 0 end
              if #a ~= #b then if #a < #b then return -1 else return 1 end end
              for i = 1, #a do
                local x, y = string.byte(a, i), string.byte(b, i)
                if x ~= y then if x < y then return -1 else return 1 end end
              end
              return 0
            end
            local function vmax(a, b)
              if not a then return b end
              if not b then return a end
              if vcmp(a, b) >= 0 then return a end
              return b
            end

            local s = { locks = {} }
            local raw = redis.call('HGETALL', key)
            for i = 1, #raw, 2 do
              local f, val = raw[i], raw[i + 1]
              if f == 'v' then s.v = val
              elseif f == 'd' then s.d = val
              elseif f == 'tv' then s.tv = val
              elseif f == 'te' then s.te = tonumber(val)
              elseif f == 'lt' then s.lt = val
              elseif f == 'le' then s.le = tonumber(val)
              elseif string.sub(f, 1, 2) == 'l:' then s.locks[f] = tonumber(val) or 0
              end
            end
            if (s.tv or s.te) and not (s.tv and s.te and s.te > now) then
              redis.call('HDEL', key, 'tv', 'te'); s.tv = nil; s.te = nil; dirty = true
            end
            if (s.lt or s.le) and not (s.lt and s.le and s.le > now) then
              redis.call('HDEL', key, 'lt', 'le'); s.lt = nil; s.le = nil; dirty = true
            end

            local function dropLease()
              if s.lt or s.le then redis.call('HDEL', key, 'lt', 'le'); s.lt = nil; s.le = nil; dirty = true end
            end
            local function dropData()
              if s.v or s.d then redis.call('HDEL', key, 'v', 'd'); s.v = nil; s.d = nil; dirty = true end
            end
            -- deletes the data; the tombstone keeps the highest version known (at least "-1") for tombstoneTtl
            local function tombstone(version)
              local tv = vmax(vmax(s.v, s.tv), version) or '-1'
              dropData()
              s.tv = tv; s.te = now + tombstoneTtl
              redis.call('HSET', key, 'tv', tv, 'te', ms(s.te)); dirty = true
            end
            local function store(version, data)
              s.v = version; s.d = data
              redis.call('HSET', key, 'v', version, 'd', data)
              if s.tv or s.te then redis.call('HDEL', key, 'tv', 'te'); s.tv = nil; s.te = nil end
              dropLease(); dirty = true
            end
            local function unlock(field)
              if s.locks[field] then redis.call('HDEL', key, field); s.locks[field] = nil; dirty = true end
            end
            -- a lock past its expiry: its writer died or hung, and may have committed; the data is suspect
            local function sweepExpiredLocks()
              local expired = {}
              for f, exp in pairs(s.locks) do if exp <= now then expired[#expired + 1] = f end end
              if #expired == 0 then return end
              redis.call('HDEL', key, unpack(expired))
              for _, f in ipairs(expired) do s.locks[f] = nil end
              dirty = true
              tombstone(nil)
              dropLease()
            end
            local function isLocked() return next(s.locks) ~= nil end
            -- the version fence for a version >= 0: nil when the version may land, else the refusal code
            local function fence(version)
              if s.d and vcmp(s.v or '-1', version) >= 0 then return 3 end
              if s.tv and vcmp(s.tv, version) >= 0 then return 4 end
              return nil
            end
            -- sets the key's expiry to what its remaining fields need: exactly dataTtl (or more, for a lock)
            -- when data was just stored; never shorter than the data's own TTL otherwise; and exactly the
            -- longest lock, lease or tombstone when no data is left
            local function finish(dataTtl)
              local need = 1
              for _, exp in pairs(s.locks) do if exp - now > need then need = exp - now end end
              if s.te and s.te - now > need then need = s.te - now end
              if s.le and s.le - now > need then need = s.le - now end
              if dataTtl then
                if dataTtl > need then need = dataTtl end
                redis.call('PEXPIRE', key, ms(need))
              elseif s.d then
                local pttl = redis.call('PTTL', key)
                if pttl < need then redis.call('PEXPIRE', key, ms(need)) end
              else
                redis.call('PEXPIRE', key, ms(need))
              end
            end
            """;

    /** ARGV: tombstoneTtl, leaseToken ('' = take none), leaseTtl. */
    static final LuaScript GET = script("get", """
            local token = ARGV[2]
            local leaseTtl = tonumber(ARGV[3])
            sweepExpiredLocks()
            if isLocked() then
              if dirty then finish(nil) end
              return {2}
            end
            if s.d then
              if dirty then finish(nil) end
              return {1, s.v or '-1', s.d}
            end
            local reply
            if s.lt then
              if token ~= '' and s.lt == token then reply = {3, 1, token} else reply = {3, 0, s.lt} end
            elseif token ~= '' then
              s.lt = token; s.le = now + leaseTtl
              redis.call('HSET', key, 'lt', token, 'le', ms(s.le)); dirty = true
              reply = {3, 1, token}
            else
              reply = {3, 0}
            end
            if dirty then finish(nil) end
            return reply
            """);

    /** ARGV: tombstoneTtl, leaseToken ('' = none), version, data, ttl. */
    static final LuaScript PUT_FROM_LOAD = script("putFromLoad", """
            local token, version, data, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
            sweepExpiredLocks()
            local rc
            if isLocked() then rc = 1
            elseif token ~= '' then
              if s.lt ~= token then rc = 2 end
            elseif version == '-1' then rc = 2
            end
            if not rc and version ~= '-1' then rc = fence(version) end
            if rc then
              if dirty then finish(nil) end
              return rc
            end
            store(version, data)
            finish(ttl)
            return 0
            """);

    /** ARGV: tombstoneTtl, version, data, ttl. */
    static final LuaScript PUT = script("put", """
            local version, data, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
            sweepExpiredLocks()
            local rc
            if isLocked() then rc = 1
            elseif version ~= '-1' then rc = fence(version)
            end
            if rc then
              if dirty then finish(nil) end
              return rc
            end
            store(version, data)
            finish(ttl)
            return 0
            """);

    /** ARGV: tombstoneTtl, lockTtl, lockField. */
    static final LuaScript LOCK = script("lock", """
            local lockTtl, field = tonumber(ARGV[2]), ARGV[3]
            sweepExpiredLocks()
            s.locks[field] = now + lockTtl
            redis.call('HSET', key, field, ms(s.locks[field])); dirty = true
            dropLease()
            finish(nil)
            return 0
            """);

    /** ARGV: tombstoneTtl, lockField, version, data, ttl. */
    static final LuaScript RELEASE_AFTER_UPDATE = script("releaseAfterUpdate", """
            local field, version, data, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
            unlock(field)
            sweepExpiredLocks()
            dropLease()
            local rc
            if version ~= '-1' then rc = fence(version) end
            if rc then
              finish(nil)
              return rc
            end
            store(version, data)
            finish(ttl)
            return 0
            """);

    /** ARGV: tombstoneTtl, lockField, version. */
    static final LuaScript RELEASE_AFTER_REMOVE = script("releaseAfterRemove", """
            local field, version = ARGV[2], ARGV[3]
            unlock(field)
            sweepExpiredLocks()
            dropLease()
            tombstone(version)
            finish(nil)
            return 0
            """);

    /** ARGV: tombstoneTtl, lockField. */
    static final LuaScript RELEASE_AFTER_ROLLBACK = script("releaseAfterRollback", """
            unlock(ARGV[2])
            sweepExpiredLocks()
            if dirty then finish(nil) end
            return 0
            """);

    /** ARGV: tombstoneTtl, version. */
    static final LuaScript INVALIDATE = script("invalidate", """
            sweepExpiredLocks()
            dropLease()
            tombstone(ARGV[2])
            finish(nil)
            return 0
            """);

    /** ARGV: tombstoneTtl. Deletes the data only: locks, lease and tombstone stay, and so does the fence. */
    static final LuaScript REMOVE = script("remove", """
            sweepExpiredLocks()
            dropData()
            if dirty then finish(nil) end
            return 0
            """);

    /** No ARGV. Answers {now, pttl, field1, value1, ...}; changes nothing. */
    static final LuaScript INSPECT = new LuaScript("inspect", """
            local clock = redis.call('TIME')
            local reply = { tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000),
                            redis.call('PTTL', KEYS[1]) }
            local raw = redis.call('HGETALL', KEYS[1])
            for i = 1, #raw do reply[#reply + 1] = raw[i] end
            return reply
            """);

    private EntryScripts() {
    }

    private static LuaScript script(String name, String body) {
        return new LuaScript(name, "-- tiered-jpa L2 entry: " + name + "\n" + PRELUDE + body);
    }
}
