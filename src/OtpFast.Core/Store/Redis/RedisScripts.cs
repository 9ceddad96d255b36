namespace OtpFast.Core.Store.Redis;

/// <summary>
/// The two Lua scripts of the shared store: each touches one declared key (the pair of one
/// account + tokenCreator), reads it, decides and writes it back in one atomic step.
/// </summary>
/// <remarks>
/// Written for both Redis (Lua 5.1) and Garnet (Lua 5.4): no <c>bit</c>, no <c>struct</c>,
/// integers kept below 2^53 and passed to redis.call as whole numbers. The value layout is
/// <see cref="PairValue"/>'s. Time is the node's (ARGV now, Unix ms), never the server's, so a
/// pair whose logical keep-until has passed counts as absent even while its Redis TTL (set
/// from the same keep-until) has not run out on the server's clock.
/// Answers are one bulk string whose first byte says what happened (see <see cref="RedisOtpStore"/>).
/// </remarks>
internal static class RedisScripts
{
    private const string Prelude = """
        local function rd(s, i, n)
          local v = 0
          for k = i + n - 1, i, -1 do v = v * 256 + string.byte(s, k) end
          return v
        end
        local function wr(v, n)
          local b1 = v % 256
          v = (v - b1) / 256
          if n == 2 then return string.char(b1, v % 256) end
          local b2 = v % 256
          v = (v - b2) / 256
          local b3 = v % 256
          v = (v - b3) / 256
          local b4 = v % 256
          v = (v - b4) / 256
          local b5 = v % 256
          v = (v - b5) / 256
          if n == 5 then return string.char(b1, b2, b3, b4, b5) end
          return string.char(b1, b2, b3, b4, b5, v % 256)
        end
        local LIVE, USED, LOCKED = 0, 1, 2
        local ST = 16384
        -- When a pair leaves the store (Unix ms), nil = never: a tombstone holds it in t1; a live
        -- pair keeps TombstoneLifetime past its deadline, or longer while its failure count holds.
        local function keep_of(st, t1, f, s, tomb, maxF, winT)
          if st >= ST then return t1 end
          if t1 == 0 then return nil end
          local k = t1 + tomb
          if maxF > 0 and f > 0 then
            local b = (s + winT) * 100
            if b > k then k = b end
          end
          return k
        end

        """;

    /// <summary>
    /// KEYS[1] pair key. ARGV: nonce(4 bytes), account(4 bytes), now ms, expiry ms (0 never),
    /// reCreate (0/1), code, tombstone ms, cooldown tenths, max failures, window tenths.
    /// Answers N (created), E+nonce+code (existing), B (failed-verify budget spent),
    /// C (cooling down), R (the drawn nonce equals the old one: draw again).
    /// </summary>
    public const string Issue = Prelude + """
        local v = redis.call('GET', KEYS[1])
        local now = tonumber(ARGV[3])
        local nowT = math.floor(now / 100)
        local tomb, coolT, maxF, winT = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
        local fails, since = 0, 0
        if v then
          local st, t1, created, f, s = rd(v, 9, 2), rd(v, 11, 6), rd(v, 17, 5), rd(v, 22, 2), rd(v, 24, 5)
          local keep = keep_of(st, t1, f, s, tomb, maxF, winT)
          if keep == nil or keep > now then
            if ARGV[5] == '0' and st < ST and (t1 == 0 or now < t1) then
              return 'E' .. string.sub(v, 1, 4) .. string.sub(v, 29)
            end
            local inWin = nowT - s < winT
            if maxF > 0 and f >= maxF and inWin then return 'B' end
            if coolT > 0 and nowT - created < coolT then return 'C' end
            if f ~= 0 and inWin then fails, since = f, s end
            if string.sub(v, 1, 4) == ARGV[1] then return 'R' end
          end
        end
        local exp = tonumber(ARGV[4])
        local dl = 0
        if exp > 0 then dl = now + exp end
        local val = ARGV[1] .. ARGV[2] .. wr(0, 2) .. wr(dl, 6) .. wr(nowT, 5) .. wr(fails, 2) .. wr(since, 5) .. ARGV[6]
        local keep = keep_of(0, dl, fails, since, tomb, maxF, winT)
        if keep == nil then
          redis.call('SET', KEYS[1], val)
        else
          redis.call('SET', KEYS[1], val, 'PX', keep - now)
        end
        return 'N'
        """;

    /// <summary>
    /// KEYS[1] pair key. ARGV: nonce(4 bytes), account(4 bytes), now ms, code sent (upper-cased),
    /// tombstone ms, max attempts, max failures, window tenths.
    /// Answers V+code (verified), M (mismatch), U (unknown), S (used), L (locked), X (expired).
    /// </summary>
    public const string Verify = Prelude + """
        local v = redis.call('GET', KEYS[1])
        if not v then return 'U' end
        local now = tonumber(ARGV[3])
        local nowT = math.floor(now / 100)
        local tomb, maxA, maxF, winT = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
        local st, t1, f, s = rd(v, 9, 2), rd(v, 11, 6), rd(v, 22, 2), rd(v, 24, 5)
        local keep = keep_of(st, t1, f, s, tomb, maxF, winT)
        if keep ~= nil and keep <= now then return 'U' end
        if string.sub(v, 1, 4) ~= ARGV[1] or string.sub(v, 5, 8) ~= ARGV[2] then return 'U' end
        local flags = math.floor(st / ST)
        if flags == USED then return 'S' end
        if flags == LOCKED then return 'L' end
        if t1 ~= 0 and now >= t1 then return 'X' end
        local inWin = nowT - s < winT
        if maxF > 0 and f >= maxF and inWin then return 'L' end
        local code, given = string.sub(v, 29), ARGV[4]
        -- Every byte is compared whatever the earlier ones held: no exit on the first difference.
        local d = 1
        if #given == #code then
          d = 0
          for i = 1, #code do
            local x = string.byte(code, i) - string.byte(given, i)
            d = d + x * x
          end
        end
        local head, created = string.sub(v, 1, 8), string.sub(v, 17, 21)
        if d == 0 then
          local k = now + tomb
          redis.call('SET', KEYS[1], head .. wr(USED * ST, 2) .. wr(k, 6) .. created .. wr(0, 2) .. wr(0, 5), 'PX', k - now)
          return 'V' .. code
        end
        if maxF > 0 then
          if f == 0 or not inWin then
            f, s = 1, nowT
          elseif f < 65535 then
            f = f + 1
          end
        end
        local a = st % ST + 1
        if a >= maxA then
          local k = now + tomb
          if maxF > 0 and f > 0 and (s + winT) * 100 > k then k = (s + winT) * 100 end
          redis.call('SET', KEYS[1], head .. wr(LOCKED * ST + a, 2) .. wr(k, 6) .. created .. wr(f, 2) .. wr(s, 5), 'PX', k - now)
          return 'M'
        end
        local val = head .. wr(a, 2) .. string.sub(v, 11, 16) .. created .. wr(f, 2) .. wr(s, 5) .. code
        keep = keep_of(a, t1, f, s, tomb, maxF, winT)
        if keep == nil then
          redis.call('SET', KEYS[1], val)
        else
          redis.call('SET', KEYS[1], val, 'PX', keep - now)
        end
        return 'M'
        """;
}
