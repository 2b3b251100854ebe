using System.Globalization;

namespace Weir.Tests.Sockets;

/// <summary>What the kernel says about listening TCP sockets, read from <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>.</summary>
internal static class ShardingProbe
{
    private const string ListenState = "0A";
    private const string EstablishedState = "01";

    /// <summary>Counts the sockets in the LISTEN state on <paramref name="port"/>, IPv4 and IPv6 alike.</summary>
    public static int ListeningSocketsOnPort(int port) =>
        CountListening("/proc/net/tcp", port) + CountListening("/proc/net/tcp6", port);

    /// <summary>Counts the IPv4 sockets in the LISTEN state on <paramref name="port"/>.</summary>
    public static int ListeningIPv4SocketsOnPort(int port) => CountListening("/proc/net/tcp", port);

    /// <summary>Finds the inode of the established IPv4 socket from <paramref name="localPort"/> to <paramref name="remotePort"/>.</summary>
    public static long? EstablishedIPv4SocketInode(int localPort, int remotePort)
    {
        foreach (var fields in Rows("/proc/net/tcp"))
        {
            if (fields[3] == EstablishedState && Port(fields[1]) == localPort && Port(fields[2]) == remotePort)
            {
                return long.Parse(fields[9], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Whether process <paramref name="processId"/> holds the socket with the given inode.</summary>
    public static bool ProcessOwnsSocket(int processId, long inode)
    {
        var target = $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
        return Directory.EnumerateFileSystemEntries($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/fd")
            .Any(descriptor => new FileInfo(descriptor).LinkTarget == target);
    }

    private static int CountListening(string table, int port) =>
        Rows(table).Count(fields => fields[3] == ListenState && Port(fields[1]) == port);

    // "  sl  local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...".
    private static IEnumerable<string[]> Rows(string table) =>
        File.Exists(table)
            ? File.ReadLines(table).Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            : [];

    // An address as "HEXADDR:HEXPORT".
    private static int Port(string address) =>
        int.Parse(address.AsSpan(address.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
