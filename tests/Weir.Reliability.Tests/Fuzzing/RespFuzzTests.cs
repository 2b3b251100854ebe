using System.Text;
using RespServer;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Fuzzing;

public sealed class RespFuzzTests
{
    private static readonly RespLimits Limits = new()
    {
        MaximumArguments = 16,
        MaximumBulkLength = 256,
        MaximumInlineLength = 256,
        MaximumRequestSize = 4096,
    };

    [Fact]
    public async Task MutatedRequestsEndInRequestsOrAProtocolExceptionAndNeverReadPastTheInput()
    {
        var count = LongRun.Size("fuzz inputs for the RESP parser", ci: 20_000, full: 1_000_000);
        var random = new Random(6379);
        var mutator = new Mutator(random, Corpus(random));
        for (var i = 0; i < count; i++)
        {
            await FuzzHarness.RunAsync(() => new RespRequestReader(Limits), mutator.Next(), random, Arguments);
        }
    }

    private static IEnumerable<System.Buffers.ReadOnlySequence<byte>> Arguments(RespRequest request)
    {
        for (var i = 0; i < request.Count; i++)
        {
            yield return request[i];
        }
    }

    private static List<byte[]> Corpus(Random random)
    {
        string[] commands = ["PING", "GET", "SET", "DEL", "EXISTS", "INCR", "EXPIRE", "MGET", "ECHO", "QUIT"];
        var corpus = new List<byte[]>
        {
            "*0\r\n"u8.ToArray(), "*-1\r\n"u8.ToArray(), "\r\n"u8.ToArray(), "PING\r\n"u8.ToArray(), "SET k v\n"u8.ToArray(),
            "*1\r\n$0\r\n\r\n"u8.ToArray(), "*2\r\n$3\r\nGET\r\n$-1\r\n"u8.ToArray(),
        };
        for (var i = 0; i < 64; i++)
        {
            var request = new StringBuilder();
            var arguments = random.Next(1, 5);
            var inline = random.Next(4) == 0;
            if (!inline)
            {
                request.Append('*').Append(arguments).Append("\r\n");
            }

            for (var a = 0; a < arguments; a++)
            {
                var text = a == 0 ? commands[random.Next(commands.Length)] : new string('k', random.Next(0, 40));
                if (inline)
                {
                    request.Append(text).Append(a + 1 < arguments ? " " : "\r\n");
                }
                else
                {
                    request.Append('$').Append(text.Length).Append("\r\n").Append(text).Append("\r\n");
                }
            }

            corpus.Add(Encoding.ASCII.GetBytes(request.ToString()));
        }

        return corpus;
    }
}
