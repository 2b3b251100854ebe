using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace RespServer;

/// <summary>
/// The key-value store behind the server: binary keys and values, shared by every connection, with expiry.
/// Expired keys vanish when touched, and a sweep on <see cref="TimeProvider"/>'s clock removes the rest.
/// </summary>
public sealed class RespStore : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<byte[], StoreEntry> _items = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], StoreEntry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;

    /// <summary>Initializes a new, empty store.</summary>
    /// <param name="timeProvider">The clock for expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public RespStore(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _lookup = _items.GetAlternateLookup<ReadOnlySpan<byte>>();
        _sweep = _time.CreateTimer(static state => ((RespStore)state!).RemoveExpired(), this, SweepInterval, SweepInterval);
    }

    /// <summary>Gets the number of keys that have not expired.</summary>
    public int Count
    {
        get
        {
            var now = Now;
            return _items.Count(item => !item.Value.IsExpiredAt(now));
        }
    }

    /// <summary>Gets the value of <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, which the caller must not change.</param>
    /// <returns>Whether the key exists.</returns>
    public bool TryGet(ReadOnlySpan<byte> key, [NotNullWhen(true)] out byte[]? value)
    {
        value = TryGetLive(key, out _, out var entry) ? entry.Value : null;
        return value is not null;
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, copied.</param>
    /// <param name="expiry">How long the key lives; <see langword="null"/> for ever.</param>
    /// <param name="condition">When to write.</param>
    /// <returns>Whether the value was written (always, unless <paramref name="condition"/> said no).</returns>
    public bool Set(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, TimeSpan? expiry = null, SetCondition condition = SetCondition.Always)
    {
        var entry = new StoreEntry(value.ToArray(), expiry is { } after ? Now + (long)after.TotalMilliseconds : 0);
        if (condition == SetCondition.Always)
        {
            _lookup[key] = entry;
            return true;
        }

        while (true)
        {
            var found = _lookup.TryGetValue(key, out var actualKey, out var old);
            var live = found && !old!.IsExpiredAt(Now);
            if (live != (condition == SetCondition.IfExists))
            {
                return false;
            }

            if (found ? _items.TryUpdate(actualKey!, entry, old!) : _lookup.TryAdd(key, entry))
            {
                return true;
            }
        }
    }

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether a live key was removed.</returns>
    public bool Remove(ReadOnlySpan<byte> key) =>
        _lookup.TryRemove(key, out _, out var entry) && !entry.IsExpiredAt(Now);

    /// <summary>Tells whether <paramref name="key"/> exists.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether the key exists and has not expired.</returns>
    public bool Exists(ReadOnlySpan<byte> key) => TryGetLive(key, out _, out _);

    /// <summary>Adds <paramref name="delta"/> to the integer stored at <paramref name="key"/> (0 if there is none), atomically.</summary>
    /// <param name="key">The key.</param>
    /// <param name="delta">What to add.</param>
    /// <param name="value">The new value.</param>
    /// <returns><see langword="false"/> if the value is not a 64-bit integer or the sum overflows.</returns>
    public bool TryIncrement(ReadOnlySpan<byte> key, long delta, out long value)
    {
        while (true)
        {
            var found = _lookup.TryGetValue(key, out var actualKey, out var old);
            var live = found && !old!.IsExpiredAt(Now);
            value = 0;
            if (live && !(Utf8Parser.TryParse(old!.Value, out value, out var used) && used == old.Value.Length && used > 0))
            {
                return false;
            }

            var sum = value + delta;
            if (((value ^ sum) & (delta ^ sum)) < 0)
            {
                return false;
            }

            var entry = new StoreEntry(Format(sum), live ? old!.ExpiresAtMilliseconds : 0);
            if (found ? _items.TryUpdate(actualKey!, entry, old!) : _lookup.TryAdd(key, entry))
            {
                value = sum;
                return true;
            }
        }
    }

    /// <summary>Makes <paramref name="key"/> expire after <paramref name="after"/>; a time not in the future removes it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="after">How long the key lives from now.</param>
    /// <returns>Whether the key exists.</returns>
    public bool Expire(ReadOnlySpan<byte> key, TimeSpan after)
    {
        while (TryGetLive(key, out var actualKey, out var old))
        {
            if (after <= TimeSpan.Zero)
            {
                _items.TryRemove(new KeyValuePair<byte[], StoreEntry>(actualKey, old));
                return true;
            }

            if (_items.TryUpdate(actualKey, new StoreEntry(old.Value, Now + (long)after.TotalMilliseconds), old))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets how long <paramref name="key"/> has left to live.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The milliseconds left; -1 if the key never expires; -2 if it does not exist.</returns>
    public long TimeToLiveMilliseconds(ReadOnlySpan<byte> key) =>
        !TryGetLive(key, out _, out var entry) ? -2
        : entry.ExpiresAtMilliseconds == 0 ? -1
        : entry.ExpiresAtMilliseconds - Now;

    /// <summary>Removes every key.</summary>
    public void Clear() => _items.Clear();

    /// <inheritdoc />
    public void Dispose() => _sweep.Dispose();

    /// <summary>Gets the number of keys held, expired ones not yet removed included.</summary>
    internal int StoredCount => _items.Count;

    internal int RemoveExpired()
    {
        var now = Now;
        var removed = 0;
        foreach (var item in _items)
        {
            // Removing the exact pair leaves alone a value set again since the scan saw it.
            if (item.Value.IsExpiredAt(now) && _items.TryRemove(item))
            {
                removed++;
            }
        }

        return removed;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private bool TryGetLive(ReadOnlySpan<byte> key, [NotNullWhen(true)] out byte[]? actualKey, [NotNullWhen(true)] out StoreEntry? entry)
    {
        if (!_lookup.TryGetValue(key, out actualKey, out entry))
        {
            return false;
        }

        if (entry.IsExpiredAt(Now))
        {
            _items.TryRemove(new KeyValuePair<byte[], StoreEntry>(actualKey, entry));
            actualKey = null;
            entry = null;
            return false;
        }

        return true;
    }

    private static byte[] Format(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        return digits[..written].ToArray();
    }
}
