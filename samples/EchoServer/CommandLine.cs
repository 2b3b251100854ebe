namespace EchoServer;

/// <summary>The sample's command line: <c>--port N</c> or <c>--unix PATH</c>, and <c>--transport weir|kestrel</c>.</summary>
internal sealed record CommandLine(int Port, string? UnixPath, bool Kestrel)
{
    public static CommandLine? Parse(string[] args)
    {
        var settings = new CommandLine(5000, null, false);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            settings = (args[i], args[i + 1]) switch
            {
                ("--port", var port) when int.TryParse(port, out var number) && number is >= 0 and <= 65535 =>
                    settings with { Port = number },
                ("--unix", var path) => settings with { UnixPath = path },
                ("--transport", "weir") => settings with { Kestrel = false },
                ("--transport", "kestrel") => settings with { Kestrel = true },
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
