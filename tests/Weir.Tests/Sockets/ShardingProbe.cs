using System.Globalization;

namespace Weir.Tests.Sockets;

/// <summary>What the kernel says about listening TCP sockets, read from <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>.</summary>
internal static class ShardingProbe
{
    private const string ListenState = "0A";

    /// <summary>Counts the sockets in the LISTEN state on <paramref name="port"/>, IPv4 and IPv6 alike.</summary>
    public static int ListeningSocketsOnPort(int port) =>
        CountListening("/proc/net/tcp", port) + CountListening("/proc/net/tcp6", port);

    private static int CountListening(string table, int port)
    {
        if (!File.Exists(table))
        {
            return 0;
        }

        var count = 0;
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            // "  sl  local_address rem_address st ...", the local address as "HEXADDR:HEXPORT".
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1];
            var localPort = int.Parse(local.AsSpan(local.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (localPort == port && fields[3] == ListenState)
            {
                count++;
            }
        }

        return count;
    }
}
