package dev.tieredjpa.cache.internal.l2;

/**
 * The Lua scripts of {@link RedisEntryStore}, one per operation. Each works on one entry hash
 * ({@code KEYS[1]}) and reads the clock from Redis {@code TIME}, never from a JVM.
 *
 * <p>Every script but {@link #INSPECT} and {@link #CLEAR} starts with {@link #PRELUDE}, which defines the
 * few reads and mutations that the scripts compose, then calls {@code open(KEYS[1])}: it reads the whole
 * hash into the Lua table {@code s} and forgets an expired tombstone and an expired lease. Mutations keep
 * {@code s} and the hash in step, so {@code finish} can compute the key's expiry from what is left (rule:
 * no key lives forever, except a pinned one: see below). Scripts of other packages that touch entries
 * (the write-behind queue's) are built on the same prelude by {@link LuaScript#onEntries}; they call
 * {@code open} themselves, once per entry key, and may touch several entries in one run.
 *
 * <p>A pinned entry (field {@code p}: the version of a write-behind write that is not yet in the
 * database) is never given an expiry: {@code finish} answers it with {@code PERSIST}. Its data changes
 * only for a newer version; an expired lock does not make it suspect; an invalidation drops it only when
 * it names the pinned version or a newer one as dead ({@code pinOutlives}). Only the write-behind scripts
 * set and clear {@code p} (and {@code pd}, "the pinned write is a delete").
 *
 * <p>Versions travel and are stored as canonical decimal strings ({@code "-1"} for unversioned data) and
 * are compared by {@code vcmp} digit by digit, never as Lua numbers: Lua numbers are doubles, exact only to
 * 2^53, and entity versions are Java longs. Times are milliseconds since the epoch, which doubles hold
 * exactly.
 *
 * <p>Replies: put-like scripts answer an integer, the {@link PutOutcome} code ({@link #STORED} ...).
 * {@link #GET} answers {@code {1, version, data, x, dl, early}} (hit; {@code early} 1: the caller was
 * granted the lease to refresh it early), {@code {2}} (locked), {@code {3, 0}} or
 * {@code {3, granted, holder, leaseMsLeft}} (miss), {@code {4, version}} (a pinned delete),
 * {@code {5, version, data, x, granted, holder, leaseMsLeft}} (data past its logical expiry: a miss that
 * carries the expired data) and {@code {6}} (known absent: the database had no row). {@link #REMOVE} and
 * {@link #CLEAR} answer 1 when they removed something, else 0. Tables never hold {@code nil}, which would
 * cut them short.
 *
 * <p><b>Repairs.</b> {@code open} drops what the library never writes: a key of another Redis type under
 * the entry's name (deleted), a field whose value is not of the form the library gives it (a version, time
 * or flag that is not one), and data left without a version. Every script made by {@link #script} then adds
 * {@link #REPAIRED} to its reply's code (the integer, or a list's first element) when its {@code open}
 * repaired the entry, and {@code RedisEntryStore} counts it and takes it off before reading the code. Why
 * a flag in the reply: it costs neither a command nor a round trip, and it needs no key of its own. A
 * counter in Redis ({@code HINCRBY} on a per-prefix hash) would add a command to every repair and, under
 * Redis Cluster, could not be written from a script at all: a script may only touch keys of its own slot,
 * and entries of one region spread over every slot.
 */
final class EntryScripts {

    static final int STORED = 0;
    static final int REFUSED_LOCKED = 1;
    static final int REFUSED_LEASE_REVOKED = 2;
    static final int REFUSED_OLDER_VERSION = 3;
    static final int REFUSED_TOMBSTONE = 4;
    /** Stored, and readers on other nodes were waiting for it: the caller tells them. */
    static final int STORED_WAKING = 5;
    /** A fill without a lease found that very version stored (another node's fill landed first). */
    static final int REFUSED_SAME_VERSION = 6;

    static final int HIT = 1;
    static final int LOCKED = 2;
    static final int MISS = 3;
    static final int DELETED = 4;
    static final int EXPIRED = 5;
    static final int ABSENT = 6;

    /**
     * Added to a reply's code when the script found its entry holding what the library does not write and
     * repaired it; every code is below it. See the class comment.
     */
    static final int REPAIRED = 1024;

    /**
     * ARGV[1] of every script with the prelude: the tombstone TTL in ms. Defines, for the entry that
     * {@code open(k)} made current: {@code key}, {@code s} (its fields: {@code v d tv te lt le p pd} and
     * {@code locks}), {@code dirty}, {@code now}, {@code repaired} (how many entries {@code open} has
     * repaired in this run), and the functions below; opens nothing itself.
     */
    static final String PRELUDE = """
            if redis.replicate_commands then redis.replicate_commands() end
            local tombstoneTtl = tonumber(ARGV[1])
            local clock = redis.call('TIME')
            local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
            local key, s
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

            -- entries this run found holding what the library does not write, and repaired (see open)
            local repaired = 0

            -- makes entry k current: reads its hash into s, forgetting an expired tombstone and an expired lease
            -- a version as this library writes it: a canonical decimal, "-1" for none
            local function isVersion(val) return string.match(val, '^%-?%d+$') ~= nil end
            -- a time or duration as this library writes it: whole milliseconds, in decimal (never '1e3', 'inf')
            local function isNumber(val) return string.match(val, '^%-?%d+$') ~= nil end
            local function open(k)
              key = k
              dirty = false
              s = { locks = {} }
              local foreign = false
              -- not ours (another client's string, list, set...): dropped, the entry starts empty
              local kind = redis.call('TYPE', key)
              kind = kind.ok or kind
              if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', key); dirty = true; foreign = true end
              local raw = redis.call('HGETALL', key)
              local corrupt = {}
              for i = 1, #raw, 2 do
                local f, val = raw[i], raw[i + 1]
                if f == 'v' then if isVersion(val) then s.v = val else corrupt[#corrupt + 1] = f end
                elseif f == 'd' then s.d = val
                elseif f == 'tv' then if isVersion(val) then s.tv = val else corrupt[#corrupt + 1] = f end
                elseif f == 'te' then if isNumber(val) then s.te = tonumber(val) else corrupt[#corrupt + 1] = f end
                elseif f == 'lt' then if val ~= '' then s.lt = val else corrupt[#corrupt + 1] = f end
                elseif f == 'le' then if isNumber(val) then s.le = tonumber(val) else corrupt[#corrupt + 1] = f end
                elseif f == 'p' then if isVersion(val) then s.p = val else corrupt[#corrupt + 1] = f end
                elseif f == 'pd' then if val == '1' then s.pd = true else corrupt[#corrupt + 1] = f end
                elseif f == 'x' then if isNumber(val) then s.x = val else corrupt[#corrupt + 1] = f end
                elseif f == 'dl' then if isNumber(val) then s.dl = val else corrupt[#corrupt + 1] = f end
                elseif f == 'n' then if isNumber(val) then s.n = tonumber(val) else corrupt[#corrupt + 1] = f end
                elseif f == 'w' then if val == '1' then s.w = true else corrupt[#corrupt + 1] = f end
                elseif string.sub(f, 1, 2) == 'l:' then
                  if isNumber(val) then s.locks[f] = tonumber(val) else corrupt[#corrupt + 1] = f end
                end
                -- any other field is left alone: a newer version of the library may have written it
              end
              -- a field that is not what this library writes is dropped; data without a valid version goes too
              if #corrupt > 0 then redis.call('HDEL', key, unpack(corrupt)); dirty = true end
              local orphan = s.d and not s.v and not s.p
              if orphan then
                redis.call('HDEL', key, 'd', 'x', 'dl'); s.d = nil; s.x = nil; s.dl = nil; dirty = true
              end
              -- counted once per entry, however much was wrong in it; what open drops below is ordinary expiry
              if foreign or #corrupt > 0 or orphan then repaired = repaired + 1 end
              if (s.tv or s.te) and not (s.tv and s.te and s.te > now) then
                redis.call('HDEL', key, 'tv', 'te'); s.tv = nil; s.te = nil; dirty = true
              end
              if (s.lt or s.le) and not (s.lt and s.le and s.le > now) then
                redis.call('HDEL', key, 'lt', 'le'); s.lt = nil; s.le = nil; dirty = true
              end
              if s.n and (s.n <= now or s.d or s.p) then
                redis.call('HDEL', key, 'n'); s.n = nil; dirty = true
              end
            end

            local function dropLease()
              if s.lt or s.le then redis.call('HDEL', key, 'lt', 'le'); s.lt = nil; s.le = nil; dirty = true end
            end
            local function dropData()
              if s.v or s.d or s.x or s.dl or s.n then
                redis.call('HDEL', key, 'v', 'd', 'x', 'dl', 'n'); s.v = nil; s.d = nil; s.x = nil; s.dl = nil; s.n = nil
                dirty = true
              end
            end
            -- the data's logical expiry (ms, the writer's clock; '' for none) and its measured load time
            local function meta(x, dl)
              if x ~= '' then redis.call('HSET', key, 'x', x); s.x = x
              elseif s.x then redis.call('HDEL', key, 'x'); s.x = nil end
              if dl ~= '' then redis.call('HSET', key, 'dl', dl); s.dl = dl
              elseif s.dl then redis.call('HDEL', key, 'dl'); s.dl = nil end
            end
            -- readers on other nodes wait for this key: answers whether they did, and forgets them
            local function takeWaiters()
              if not s.w then return false end
              redis.call('HDEL', key, 'w'); s.w = nil
              return true
            end
            local function dropTombstone()
              if s.tv or s.te then redis.call('HDEL', key, 'tv', 'te'); s.tv = nil; s.te = nil; dirty = true end
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
              if s.pd then redis.call('HDEL', key, 'pd'); s.pd = nil end
              if s.n then redis.call('HDEL', key, 'n'); s.n = nil end
              meta('', '')
              dropTombstone()
              dropLease(); dirty = true
            end
            -- the pinned write is no longer pending (flushed, dead, or made dead by a newer change)
            local function unpin()
              if s.p or s.pd then redis.call('HDEL', key, 'p', 'pd'); s.p = nil; s.pd = nil; dirty = true end
            end
            -- an invalidation that makes every version up to `version` dead ('-1': none named): a pinned write
            -- outlives it unless it names the pinned version or a newer one, which unpins the entry
            local function pinOutlives(version)
              if not s.p then return false end
              if version ~= '-1' and vcmp(version, s.p) >= 0 then unpin(); return false end
              return true
            end
            local function unlock(field)
              if s.locks[field] then redis.call('HDEL', key, field); s.locks[field] = nil; dirty = true end
            end
            -- a lock past its expiry: its writer died or hung, and may have committed; the data is suspect,
            -- unless pinned: a pinned write is newer than the database, so it stays
            local function sweepExpiredLocks()
              local expired = {}
              for f, exp in pairs(s.locks) do if exp <= now then expired[#expired + 1] = f end end
              if #expired == 0 then return end
              redis.call('HDEL', key, unpack(expired))
              for _, f in ipairs(expired) do s.locks[f] = nil end
              dirty = true
              if s.p then return end
              tombstone(nil)
              dropLease()
            end
            local function isLocked() return next(s.locks) ~= nil end
            -- the version fence: nil when the version may land, else the refusal code; a pinned entry
            -- refuses every version not newer than its own, unversioned ('-1') included
            local function fence(version)
              if (s.d or s.p) and vcmp(s.v or '-1', version) >= 0 then return 3 end
              if s.tv and vcmp(s.tv, version) >= 0 then return 4 end
              return nil
            end
            -- sets the key's expiry to what its remaining fields need: none at all when pinned; exactly dataTtl
            -- (or more, for a lock) when data was just stored; never shorter than the data's own TTL otherwise;
            -- and exactly the longest lock, lease or tombstone when no data is left
            local function finish(dataTtl)
              if s.p then
                redis.call('PERSIST', key)
                return
              end
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

    /**
     * ARGV: tombstoneTtl, leaseToken ('' = take none), leaseTtl, readerNow (ms by the reader's clock, to
     * compare with the data's logical expiry {@code x}), earlyFactor ('' = no early refresh; else
     * {@code -beta * ln(rand)}: XFetch refreshes when {@code readerNow + dl * earlyFactor >= x}), window
     * ('' = none; refresh-ahead: refresh when {@code readerNow + window >= x}).
     */
    static final LuaScript GET = script("get", """
            local token = ARGV[2]
            local leaseTtl = tonumber(ARGV[3])
            local readerNow = tonumber(ARGV[4])
            local earlyFactor = tonumber(ARGV[5])
            local window = tonumber(ARGV[6])
            sweepExpiredLocks()
            if s.p then
              -- a pending write-behind write: what every node reads, locks or not; never a miss
              if dirty then finish(nil) end
              if s.d then return {1, s.v or '-1', s.d, '', '', 0} end
              return {4, s.v or '-1'}
            end
            if isLocked() then
              if dirty then finish(nil) end
              return {2}
            end
            -- grants the lease to the caller when no other reader holds a live one: {granted, holder, ms left}
            local function lease()
              if s.lt then
                if token ~= '' and s.lt == token then return {1, token, s.le - now} end
                if token ~= '' and not s.w then redis.call('HSET', key, 'w', '1'); s.w = true; dirty = true end
                return {0, s.lt, s.le - now}
              end
              if token == '' then return {0, '', 0} end
              s.lt = token; s.le = now + leaseTtl
              redis.call('HSET', key, 'lt', token, 'le', ms(s.le)); dirty = true
              return {1, token, leaseTtl}
            end
            if s.d then
              local x = tonumber(s.x or '')
              if x and readerNow and x <= readerNow then
                -- past its logical expiry: a miss that also hands back the expired data (stale-if-error)
                local l = lease()
                if dirty then finish(nil) end
                return {5, s.v or '-1', s.d, s.x, l[1], l[2], l[3]}
              end
              local early = 0
              local dl = tonumber(s.dl or '')
              local due = false
              if readerNow and token ~= '' then
                -- XFetch, judged on this value's own expiry and load time (not the reader's older copy)
                if x and dl and earlyFactor and readerNow + math.max(dl, 1) * earlyFactor >= x then due = true end
                -- refresh-ahead: less than the window is left (a value stored without an expiry: its age is unknown)
                if window and (not x or readerNow + window >= x) then due = true end
              end
              if due and not s.lt and lease()[1] == 1 then early = 1 end
              if dirty then finish(nil) end
              return {1, s.v or '-1', s.d, s.x or '', s.dl or '', early}
            end
            if s.n then
              if dirty then finish(nil) end
              return {6}
            end
            local l = lease()
            if dirty then finish(nil) end
            if token == '' and l[2] == '' then return {3, 0} end
            return {3, l[1], l[2], l[3]}
            """);

    /**
     * ARGV: tombstoneTtl, leaseToken, negativeTtl. Records that the database has no row for the key, under
     * the reader's lease (refused, as {@link #PUT_FROM_LOAD} is, when the lease is gone: a write or an
     * insert since revoked it; or when data is there). Answers a put code, {@link #STORED_WAKING} when
     * readers on other nodes wait.
     */
    static final LuaScript PUT_ABSENT = script("putAbsent", """
            local token, negativeTtl = ARGV[2], tonumber(ARGV[3])
            sweepExpiredLocks()
            local rc
            if isLocked() then rc = 1
            elseif s.lt ~= token then rc = 2
            elseif s.d or s.p then rc = 3
            end
            if rc then
              if dirty then finish(nil) end
              return rc
            end
            dropLease()
            s.n = now + negativeTtl
            redis.call('HSET', key, 'n', ms(s.n)); dirty = true
            finish(negativeTtl)
            if takeWaiters() then return 5 end
            return 0
            """);

    /**
     * ARGV: tombstoneTtl, leaseToken ('' = none), version, data, ttl, x (logical expiry, '' = none), dl (load
     * time ms, '' = unknown). Under a live lease of the caller the version may equal the cached one (a
     * refresh: nothing changed since the lease was granted, since every change revokes it). Answers
     * {@link #STORED_WAKING} instead of {@link #STORED} when readers on other nodes wait for the key.
     */
    static final LuaScript PUT_FROM_LOAD = script("putFromLoad", """
            local token, version, data, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
            sweepExpiredLocks()
            local rc
            local leased = token ~= '' and s.lt == token
            if isLocked() then rc = 1
            elseif token ~= '' then
              if not leased then rc = 2 end
            elseif version == '-1' then rc = 2
            end
            if not rc and leased and not s.p then
              -- unversioned data: the live lease is the whole fence
              if version ~= '-1' and s.d and vcmp(s.v or '-1', version) > 0 then rc = 3
              elseif version ~= '-1' and s.tv and vcmp(s.tv, version) >= 0 then rc = 4 end
            elseif not rc and (version ~= '-1' or s.p) then rc = fence(version) end
            -- refused (its lease gone, or no lease), but that very version is here, neither pending nor
            -- tombstoned nor being written: another reader's fill landed first, and the caller's copy is as good
            if (rc == 2 or rc == 3) and version ~= '-1' and s.d and not s.p and vcmp(s.v, version) == 0
                and not (s.tv and vcmp(s.tv, version) >= 0) then rc = 6 end
            if rc then
              -- a refused fill gives its lease back: readers waiting on it load the newer value now, not
              -- when the lease expires
              if leased then dropLease() end
              if dirty then finish(nil) end
              return rc
            end
            store(version, data)
            meta(ARGV[6], ARGV[7])
            finish(ttl)
            if takeWaiters() then return 5 end
            return 0
            """);

    /** ARGV: tombstoneTtl, version, data, ttl, newRow (1: a new row's put, see putNew), x, dl (as for putFromLoad). */
    static final LuaScript PUT = script("put", """
            local version, data, ttl, newRow = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
            sweepExpiredLocks()
            local rc
            if isLocked() then rc = 1
            elseif version ~= '-1' or s.p then rc = fence(version)
            -- a new row's unversioned value goes only into an empty key: a tombstone or data there means
            -- another node changed or deleted the row after the insert, and nothing else could refuse it
            elseif newRow and s.tv then rc = 4
            elseif newRow and s.d then rc = 3
            end
            if rc then
              if dirty then finish(nil) end
              return rc
            end
            store(version, data)
            meta(ARGV[6], ARGV[7])
            finish(ttl)
            if takeWaiters() then return 5 end
            return 0
            """);

    /** ARGV: tombstoneTtl, lockTtl, lockField, and optionally a channel and a message to publish on it. */
    static final LuaScript LOCK = script("lock", """
            local lockTtl, field = tonumber(ARGV[2]), ARGV[3]
            sweepExpiredLocks()
            s.locks[field] = now + lockTtl
            redis.call('HSET', key, field, ms(s.locks[field])); dirty = true
            dropLease()
            finish(nil)
            if ARGV[5] then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
            return 0
            """);

    /** ARGV: tombstoneTtl, lockField, version, data, ttl, x, dl (as for putFromLoad). */
    static final LuaScript RELEASE_AFTER_UPDATE = script("releaseAfterUpdate", """
            local field, version, data, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
            unlock(field)
            sweepExpiredLocks()
            dropLease()
            local rc
            if version ~= '-1' or s.p then rc = fence(version) end
            if rc then
              finish(nil)
              return rc
            end
            store(version, data)
            meta(ARGV[6], ARGV[7])
            finish(ttl)
            if takeWaiters() then return 5 end
            return 0
            """);

    /** ARGV: tombstoneTtl, lockField, version. */
    static final LuaScript RELEASE_AFTER_REMOVE = script("releaseAfterRemove", """
            local field, version = ARGV[2], ARGV[3]
            unlock(field)
            sweepExpiredLocks()
            dropLease()
            if not pinOutlives(version) then tombstone(version) end
            finish(nil)
            return 0
            """);

    /**
     * ARGV: tombstoneTtl, leaseToken. A reader gives its lease back without filling the key (its load
     * failed, or found nothing it may cache): answers 1 when readers on other nodes wait for the key.
     */
    static final LuaScript RELEASE_LEASE = script("releaseLease", """
            sweepExpiredLocks()
            if s.lt == ARGV[2] then dropLease() end
            local waking = takeWaiters()
            if dirty then finish(nil) end
            if waking then return 1 end
            return 0
            """);

    /**
     * ARGV: tombstoneTtl. A row was inserted: forgets "no such row" ({@code n}) and nothing else. Answers 1
     * when there was a marker.
     */
    static final LuaScript CLEAR_ABSENT = script("clearAbsent", """
            local cleared = 0
            if s.n then redis.call('HDEL', key, 'n'); s.n = nil; dirty = true; cleared = 1 end
            if dirty then finish(nil) end
            return cleared
            """);

    /** ARGV: tombstoneTtl, lockField. */
    static final LuaScript RELEASE_AFTER_ROLLBACK = script("releaseAfterRollback", """
            unlock(ARGV[2])
            sweepExpiredLocks()
            if dirty then finish(nil) end
            return 0
            """);

    /** ARGV: tombstoneTtl, version. A pinned entry stays unless the version reaches its pinned one. */
    static final LuaScript INVALIDATE = script("invalidate", """
            sweepExpiredLocks()
            dropLease()
            if not pinOutlives(ARGV[2]) then tombstone(ARGV[2]) end
            finish(nil)
            return 0
            """);

    /**
     * ARGV: tombstoneTtl. Deletes the data only: locks, lease and tombstone stay, and so does the fence. A
     * pinned entry is left whole. Answers 1 when data was deleted.
     */
    static final LuaScript REMOVE = script("remove", """
            sweepExpiredLocks()
            local removed = 0
            if not s.p then
              if s.d then removed = 1 end
              dropData()
            end
            if dirty then finish(nil) end
            return removed
            """);

    /** No ARGV. Unlinks the key unless it is a pinned entry; answers 1 when it unlinked it. */
    static final LuaScript CLEAR = new LuaScript("clear", """
            -- tiered-jpa L2 entry: clear
            local t = redis.call('TYPE', KEYS[1])
            if t.ok == 'hash' and redis.call('HEXISTS', KEYS[1], 'p') == 1 then return 0 end
            return redis.call('UNLINK', KEYS[1])
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

    /**
     * A script of one entry: the prelude, {@code open(KEYS[1])}, then {@code body}, whose reply (an integer, or
     * a list led by an integer code) gets {@link #REPAIRED} added when {@code open} repaired the entry.
     */
    private static LuaScript script(String name, String body) {
        return new LuaScript(name, "-- tiered-jpa L2 entry: " + name + "\n" + PRELUDE
                + "local function run()\nopen(KEYS[1])\n" + body + "end\n"
                + "local reply = run()\n"
                + "if repaired > 0 then\n"
                + "  if type(reply) == 'table' then reply[1] = reply[1] + " + REPAIRED + " else reply = reply + " + REPAIRED + " end\n"
                + "end\n"
                + "return reply\n");
    }
}
