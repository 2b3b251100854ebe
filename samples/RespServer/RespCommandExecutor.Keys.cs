using System.Buffers;

namespace RespServer;

/// <summary>The key-value commands.</summary>
internal sealed partial class RespCommandExecutor
{
    private const string NotAnInteger = "ERR value is not an integer or out of range";

    private void Get(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 2, 2))
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        if (store.TryGet(Contiguous(request[1], scratch), out var value))
        {
            output.WriteBulkString(value);
        }
        else
        {
            output.WriteNull();
        }
    }

    private void Set(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 3))
        {
            return;
        }

        TimeSpan? expiry = null;
        var condition = SetCondition.Always;
        for (var i = 3; i < request.Count; i++)
        {
            var option = request[i];
            if (EqualsIgnoreCase(option, "NX"u8) && condition == SetCondition.Always)
            {
                condition = SetCondition.IfNotExists;
            }
            else if (EqualsIgnoreCase(option, "XX"u8) && condition == SetCondition.Always)
            {
                condition = SetCondition.IfExists;
            }
            else if ((EqualsIgnoreCase(option, "EX"u8) || EqualsIgnoreCase(option, "PX"u8)) && expiry is null && i + 1 < request.Count)
            {
                if (!TryParseInteger(request[++i], out var amount) || amount <= 0 || amount > int.MaxValue)
                {
                    output.WriteError("ERR invalid expire time in 'set' command");
                    return;
                }

                expiry = EqualsIgnoreCase(option, "EX"u8) ? TimeSpan.FromSeconds(amount) : TimeSpan.FromMilliseconds(amount);
            }
            else
            {
                output.WriteError("ERR syntax error");
                return;
            }
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        if (store.Set(Contiguous(request[1], scratch), request[2], expiry, condition))
        {
            output.WriteOk();
        }
        else
        {
            output.WriteNull();
        }
    }

    private void Delete(in RespRequest request, IBufferWriter<byte> output)
    {
        if (HasArity(request, output, 2))
        {
            output.WriteInteger(CountKeys(request, static (store, key) => store.Remove(key)));
        }
    }

    private void Exists(in RespRequest request, IBufferWriter<byte> output)
    {
        if (HasArity(request, output, 2))
        {
            output.WriteInteger(CountKeys(request, static (store, key) => store.Exists(key)));
        }
    }

    private void Increment(in RespRequest request, IBufferWriter<byte> output, long sign, bool hasDelta)
    {
        if (!HasArity(request, output, hasDelta ? 3 : 2, hasDelta ? 3 : 2))
        {
            return;
        }

        var delta = 1L;
        if (hasDelta && (!TryParseInteger(request[2], out delta) || delta == long.MinValue))
        {
            output.WriteError(NotAnInteger);
            return;
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        if (store.TryIncrement(Contiguous(request[1], scratch), sign * delta, out var value))
        {
            output.WriteInteger(value);
        }
        else
        {
            output.WriteError(NotAnInteger);
        }
    }

    private void MultiSet(in RespRequest request, IBufferWriter<byte> output)
    {
        if (request.Count < 3 || request.Count % 2 == 0)
        {
            output.WriteError("ERR wrong number of arguments for 'mset' command");
            return;
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        for (var i = 1; i < request.Count; i += 2)
        {
            store.Set(Contiguous(request[i], scratch), request[i + 1]);
        }

        output.WriteOk();
    }

    private void MultiGet(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 2))
        {
            return;
        }

        output.WriteArrayHeader(request.Count - 1);
        Span<byte> scratch = stackalloc byte[ScratchSize];
        for (var i = 1; i < request.Count; i++)
        {
            if (store.TryGet(Contiguous(request[i], scratch), out var value))
            {
                output.WriteBulkString(value);
            }
            else
            {
                output.WriteNull();
            }
        }
    }

    private void Expire(in RespRequest request, IBufferWriter<byte> output, TimeSpan unit)
    {
        if (!HasArity(request, output, 3, 3))
        {
            return;
        }

        if (!TryParseInteger(request[2], out var amount) || Math.Abs(amount) > int.MaxValue)
        {
            output.WriteError(NotAnInteger);
            return;
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        output.WriteInteger(store.Expire(Contiguous(request[1], scratch), unit * amount) ? 1 : 0);
    }

    private void TimeToLive(in RespRequest request, IBufferWriter<byte> output, bool inSeconds)
    {
        if (!HasArity(request, output, 2, 2))
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[ScratchSize];
        var milliseconds = store.TimeToLiveMilliseconds(Contiguous(request[1], scratch));
        output.WriteInteger(milliseconds < 0 || !inSeconds ? milliseconds : (milliseconds + 500) / 1000);
    }

    private void FlushAll(in RespRequest request, IBufferWriter<byte> output)
    {
        if (HasArity(request, output, 1, 2))
        {
            store.Clear();
            output.WriteOk();
        }
    }

    private void DatabaseSize(in RespRequest request, IBufferWriter<byte> output)
    {
        if (HasArity(request, output, 1, 1))
        {
            output.WriteInteger(store.Count);
        }
    }

    private long CountKeys(in RespRequest request, Func<RespStore, ReadOnlySpan<byte>, bool> test)
    {
        Span<byte> scratch = stackalloc byte[ScratchSize];
        var count = 0L;
        for (var i = 1; i < request.Count; i++)
        {
            if (test(store, Contiguous(request[i], scratch)))
            {
                count++;
            }
        }

        return count;
    }
}
