namespace EchoServer;

/// <summary>
/// The sample's command line: <c>--port N</c> or <c>--unix PATH</c>, <c>--transport weir|kestrel</c>, and for Weir's
/// transport <c>--accept-sockets N</c> and <c>--reuse-port</c>.
/// </summary>
internal sealed record CommandLine(int Port, string? UnixPath, bool Kestrel, int AcceptSockets = 1, bool ReusePort = false)
{
    public static CommandLine? Parse(string[] args)
    {
        // The one option without a value; the rest come in pairs.
        var reusePort = args.Contains("--reuse-port");
        args = [.. args.Where(arg => arg != "--reuse-port")];
        var settings = new CommandLine(5000, null, false, ReusePort: reusePort);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            settings = (args[i], args[i + 1]) switch
            {
                ("--port", var port) when int.TryParse(port, out var number) && number is >= 0 and <= 65535 =>
                    settings with { Port = number },
                ("--unix", var path) => settings with { UnixPath = path },
                ("--transport", "weir") => settings with { Kestrel = false },
                ("--transport", "kestrel") => settings with { Kestrel = true },
                ("--accept-sockets", var count) when int.TryParse(count, out var number) && number >= 1 =>
                    settings with { AcceptSockets = number },
                _ => null,
            };
            if (settings is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 0 ? settings : null;
    }
}
