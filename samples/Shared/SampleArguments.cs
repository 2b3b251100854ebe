using System.Globalization;

namespace Weir.Samples;

/// <summary>The command line every sample understands: <c>--port N</c>.</summary>
internal static class SampleArguments
{
    public static int Port(string[] args, int defaultPort)
    {
        var index = Array.IndexOf(args, "--port");
        if (index < 0)
        {
            return defaultPort;
        }

        if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException("--port needs a number from 0 to 65535.", nameof(args));
        }

        return port;
    }
}
