using System.Buffers;

namespace RespServer;

/// <summary>
/// The connection and server commands: enough of <c>COMMAND</c>, <c>CLIENT</c>, <c>CONFIG GET</c>,
/// <c>HELLO</c> and <c>INFO</c> for <c>redis-cli</c> and <c>redis-benchmark</c>.
/// </summary>
internal sealed partial class RespCommandExecutor
{
    private static void Ping(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 1, 2))
        {
            return;
        }

        if (request.Count == 1)
        {
            output.WriteSimpleString("PONG"u8);
        }
        else
        {
            output.WriteBulkString(request[1]);
        }
    }

    private static void Echo(in RespRequest request, IBufferWriter<byte> output)
    {
        if (HasArity(request, output, 2, 2))
        {
            output.WriteBulkString(request[1]);
        }
    }

    private static void Select(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 2, 2))
        {
            return;
        }

        if (!TryParseInteger(request[1], out var index))
        {
            output.WriteError(NotAnInteger);
        }
        else if (index != 0)
        {
            output.WriteError("ERR DB index is out of range");
        }
        else
        {
            output.WriteOk();
        }
    }

    /// <summary><c>COMMAND</c>, <c>COMMAND DOCS</c>, <c>COMMAND COUNT</c>: no command table, which clients accept.</summary>
    private static void Command(in RespRequest request, IBufferWriter<byte> output)
    {
        if (request.Count >= 2 && EqualsIgnoreCase(request[1], "COUNT"u8))
        {
            output.WriteInteger(0);
        }
        else
        {
            output.WriteArrayHeader(0);
        }
    }

    private void Client(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 2))
        {
            return;
        }

        if (EqualsIgnoreCase(request[1], "ID"u8))
        {
            output.WriteInteger(clientId);
        }
        else if (EqualsIgnoreCase(request[1], "GETNAME"u8))
        {
            output.WriteNull();
        }
        else
        {
            // SETNAME, SETINFO and the rest: accepted and ignored, as a client only needs them not to fail.
            output.WriteOk();
        }
    }

    /// <summary><c>CONFIG GET</c> answers the settings <c>redis-benchmark</c> asks about; everything else is unknown.</summary>
    private static void Config(in RespRequest request, IBufferWriter<byte> output)
    {
        if (!HasArity(request, output, 2))
        {
            return;
        }

        if (!EqualsIgnoreCase(request[1], "GET"u8))
        {
            output.WriteError("ERR CONFIG supports only GET here");
            return;
        }

        var pairs = 0;
        for (var i = 2; i < request.Count; i++)
        {
            pairs += KnownSetting(request[i]).IsEmpty ? 0 : 1;
        }

        output.WriteArrayHeader(pairs * 2);
        for (var i = 2; i < request.Count; i++)
        {
            var value = KnownSetting(request[i]);
            if (!value.IsEmpty)
            {
                output.WriteBulkString(request[i]);
                output.WriteBulkString(value[1..]);
            }
        }
    }

    /// <summary>A setting's value behind a one-byte marker, so an empty value differs from an unknown setting.</summary>
    private static ReadOnlySpan<byte> KnownSetting(in ReadOnlySequence<byte> name) =>
        EqualsIgnoreCase(name, "SAVE"u8) ? "="u8
        : EqualsIgnoreCase(name, "APPENDONLY"u8) ? "=no"u8
        : EqualsIgnoreCase(name, "DATABASES"u8) ? "=1"u8
        : default;

    /// <summary><c>HELLO</c>: RESP2 only; RESP3 is refused the way Redis refuses an unknown version.</summary>
    private void Hello(in RespRequest request, IBufferWriter<byte> output)
    {
        if (request.Count >= 2 && (!TryParseInteger(request[1], out var version) || version != 2))
        {
            output.WriteError("NOPROTO unsupported protocol version");
            return;
        }

        output.WriteArrayHeader(14);
        output.WriteBulkString("server"u8);
        output.WriteBulkString("redis"u8);
        output.WriteBulkString("version"u8);
        output.WriteBulkString("7.0.0"u8);
        output.WriteBulkString("proto"u8);
        output.WriteInteger(2);
        output.WriteBulkString("id"u8);
        output.WriteInteger(clientId);
        output.WriteBulkString("mode"u8);
        output.WriteBulkString("standalone"u8);
        output.WriteBulkString("role"u8);
        output.WriteBulkString("master"u8);
        output.WriteBulkString("modules"u8);
        output.WriteArrayHeader(0);
    }

    private static void Info(in RespRequest request, IBufferWriter<byte> output) =>
        output.WriteBulkString("# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\n"u8);
}
