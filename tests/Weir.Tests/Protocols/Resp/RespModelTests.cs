using System.Buffers.Text;
using System.Text;
using CsCheck;
using RespServer;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Resp;

public sealed class RespModelTests
{
    private static readonly string[] Keys = ["a", "b", "key with space", "k\r\n"];

    [Fact]
    public async Task RandomCommandsInRandomPiecesAnswerLikeADictionary()
    {
        // Values are binary (CR, LF, NUL included) so that nothing but the lengths can frame them.
        var value = Gen.Byte.Array[0, 40];
        var command = Gen.OneOf(
            Gen.Select(Gen.Int[0, 3], value, (k, v) => ("SET", k, v)),
            Gen.Select(Gen.Int[0, 3], k => ("GET", k, Array.Empty<byte>())),
            Gen.Select(Gen.Int[0, 3], k => ("DEL", k, Array.Empty<byte>())),
            Gen.Select(Gen.Int[0, 3], k => ("EXISTS", k, Array.Empty<byte>())),
            Gen.Select(Gen.Int[0, 3], k => ("INCR", k, Array.Empty<byte>())));
        var gen = Gen.Select(command.Array[1, 40], Gen.Int[1, 64].Array[1, 20]);

        await SeededSample.RunAsync(gen, seed: 6379, iterations: 300, async sample =>
        {
            var (commands, pieces) = sample;
            using var store = new RespStore();
            var model = new Dictionary<string, byte[]>();
            var requests = new List<byte>();
            var expected = new StringBuilder();
            foreach (var (name, keyIndex, bytes) in commands)
            {
                var key = Keys[keyIndex];
                requests.AddRange(Encode(name == "SET" ? [Ascii(name), Ascii(key), bytes] : [Ascii(name), Ascii(key)]));
                expected.Append(Apply(model, name, key, bytes));
            }

            var stream = requests.ToArray();
            var split = new List<byte[]>();
            var offset = 0;
            foreach (var size in pieces.Append(stream.Length))
            {
                var length = Math.Min(size, stream.Length - offset);
                split.Add(stream[offset..(offset + length)]);
                offset += length;
            }

            var replies = await RespConversation.RunAsync(new RespConnectionHandler(store), split);
            Assert.Equal(expected.ToString(), replies);
        });
    }

    private static string Apply(Dictionary<string, byte[]> model, string name, string key, byte[] value)
    {
        switch (name)
        {
            case "SET":
                model[key] = value;
                return "+OK\r\n";
            case "GET":
                return model.TryGetValue(key, out var stored) ? $"${stored.Length}\r\n{Latin1(stored)}\r\n" : "$-1\r\n";
            case "DEL":
                return model.Remove(key) ? ":1\r\n" : ":0\r\n";
            case "EXISTS":
                return model.ContainsKey(key) ? ":1\r\n" : ":0\r\n";
            default:
                // INCR reads the value as the server does: all of it a 64-bit integer, or an error.
                var number = 0L;
                if (model.TryGetValue(key, out var text)
                    && !(Utf8Parser.TryParse(text, out number, out var used) && used == text.Length && used > 0))
                {
                    return "-ERR value is not an integer or out of range\r\n";
                }

                return Increment(model, key, number);
        }
    }

    private static string Increment(Dictionary<string, byte[]> model, string key, long number)
    {
        model[key] = Ascii((number + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $":{number + 1}\r\n";
    }

    private static byte[] Encode(byte[][] arguments)
    {
        var request = new List<byte>(Ascii($"*{arguments.Length}\r\n"));
        foreach (var argument in arguments)
        {
            request.AddRange(Ascii($"${argument.Length}\r\n"));
            request.AddRange(argument);
            request.AddRange("\r\n"u8.ToArray());
        }

        return request.ToArray();
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);
}
