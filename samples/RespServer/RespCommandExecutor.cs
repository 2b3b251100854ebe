using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RespServer;

/// <summary>
/// Runs one connection's requests against the store and writes each reply. One instance per connection;
/// the store is shared. Nothing here allocates on the GET/SET/PING path except the stored copies.
/// </summary>
internal sealed partial class RespCommandExecutor(RespStore store, long clientId)
{
    private const int LongestCommandName = 16;
    private const int ScratchSize = 256;

    /// <summary>Runs <paramref name="request"/> and writes its reply.</summary>
    /// <returns><see langword="false"/> when the client asked to close the connection.</returns>
    public bool Execute(in RespRequest request, IBufferWriter<byte> output)
    {
        if (request.Count == 0)
        {
            return true;
        }

        var rawName = request[0];
        if (rawName.Length > LongestCommandName)
        {
            UnknownCommand(request, output);
            return true;
        }

        Span<byte> bytes = stackalloc byte[LongestCommandName];
        rawName.CopyTo(bytes);
        Span<char> name = stackalloc char[(int)rawName.Length];
        for (var i = 0; i < name.Length; i++)
        {
            var b = bytes[i];
            name[i] = (char)(b is >= (byte)'a' and <= (byte)'z' ? b - 32 : b);
        }

        switch (name)
        {
            case "GET": Get(request, output); break;
            case "SET": Set(request, output); break;
            case "PING": Ping(request, output); break;
            case "ECHO": Echo(request, output); break;
            case "DEL": Delete(request, output); break;
            case "EXISTS": Exists(request, output); break;
            case "INCR": Increment(request, output, 1, hasDelta: false); break;
            case "DECR": Increment(request, output, -1, hasDelta: false); break;
            case "INCRBY": Increment(request, output, 1, hasDelta: true); break;
            case "DECRBY": Increment(request, output, -1, hasDelta: true); break;
            case "MSET": MultiSet(request, output); break;
            case "MGET": MultiGet(request, output); break;
            case "EXPIRE": Expire(request, output, TimeSpan.FromSeconds(1)); break;
            case "PEXPIRE": Expire(request, output, TimeSpan.FromMilliseconds(1)); break;
            case "TTL": TimeToLive(request, output, inSeconds: true); break;
            case "PTTL": TimeToLive(request, output, inSeconds: false); break;
            case "FLUSHALL" or "FLUSHDB": FlushAll(request, output); break;
            case "DBSIZE": DatabaseSize(request, output); break;
            case "SELECT": Select(request, output); break;
            case "COMMAND": Command(request, output); break;
            case "CLIENT": Client(request, output); break;
            case "CONFIG": Config(request, output); break;
            case "HELLO": Hello(request, output); break;
            case "INFO": Info(request, output); break;
            case "QUIT":
                output.WriteOk();
                return false;
            default: UnknownCommand(request, output); break;
        }

        return true;
    }

    private static bool HasArity(in RespRequest request, IBufferWriter<byte> output, int minimum, int maximum = int.MaxValue)
    {
        if (request.Count >= minimum && request.Count <= maximum)
        {
            return true;
        }

        output.WriteError($"ERR wrong number of arguments for '{Describe(request[0]).ToLowerInvariant()}' command");
        return false;
    }

    private static void UnknownCommand(in RespRequest request, IBufferWriter<byte> output)
    {
        var message = new StringBuilder("ERR unknown command '").Append(Describe(request[0])).Append("', with args beginning with: ");
        for (var i = 1; i < Math.Min(request.Count, 4); i++)
        {
            message.Append('\'').Append(Describe(request[i])).Append("' ");
        }

        output.WriteError(message.ToString());
    }

    /// <summary>An argument as printable text for an error message, cut short and never able to break the reply.</summary>
    private static string Describe(in ReadOnlySequence<byte> argument)
    {
        var bytes = argument.Slice(0, Math.Min(argument.Length, 64)).ToArray();
        return string.Create(bytes.Length, bytes, static (chars, bytes) =>
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : ' ';
            }
        });
    }

    /// <summary>The argument as one span: itself when it is contiguous, else a copy in <paramref name="scratch"/> or on the heap.</summary>
    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> argument, Span<byte> scratch)
    {
        if (argument.IsSingleSegment)
        {
            return argument.FirstSpan;
        }

        if (argument.Length <= scratch.Length)
        {
            argument.CopyTo(scratch);
            return scratch[..(int)argument.Length];
        }

        return argument.ToArray();
    }

    private static bool TryParseInteger(in ReadOnlySequence<byte> argument, out long value)
    {
        Span<byte> scratch = stackalloc byte[24];
        value = 0;
        return argument.Length is > 0 and <= 24
            && Utf8Parser.TryParse(Contiguous(argument, scratch), out value, out var used)
            && used == argument.Length;
    }

    private static bool EqualsIgnoreCase(in ReadOnlySequence<byte> argument, ReadOnlySpan<byte> upperCase)
    {
        if (argument.Length != upperCase.Length)
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[LongestCommandName];
        var span = Contiguous(argument, scratch);
        return Ascii.EqualsIgnoreCase(span, upperCase);
    }
}
