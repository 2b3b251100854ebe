using System.Globalization;

namespace EchoServer;

/// <summary>The sample's command line; <see cref="Usage"/> lists it.</summary>
internal sealed record CommandLine(
    int Port,
    string? UnixPath,
    bool Kestrel,
    bool Tls,
    string? CertificatePath,
    string? CertificatePassword,
    bool ProxyProtocol,
    int AcceptSockets = 1,
    bool ReusePort = false,
    bool Inline = false,
    bool AppOnThreadPool = false,
    int? EventLoops = null)
{
    public const string Usage =
        "usage: EchoServer [--port N | --unix PATH] [--transport weir|kestrel] [--tls | --cert FILE [--cert-password P]] [--proxy-protocol]" +
        " [--accept-sockets N] [--reuse-port] [--inline] [--app-on-thread-pool] [--event-loops N]";

    /// <summary>Reads the arguments; <see langword="null"/> when they are not understood.</summary>
    public static CommandLine? Parse(string[] args)
    {
        var settings = new CommandLine(5000, null, false, false, null, null, false);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            CommandLine? next = (args[i], value) switch
            {
                ("--tls", _) => settings with { Tls = true },
                ("--proxy-protocol", _) => settings with { ProxyProtocol = true },
                ("--reuse-port", _) => settings with { ReusePort = true },
                ("--inline", _) => settings with { Inline = true },
                ("--app-on-thread-pool", _) => settings with { AppOnThreadPool = true },
                (_, null) => null,
                ("--port", _) when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 =>
                    settings with { Port = port },
                ("--unix", _) => settings with { UnixPath = value },
                ("--transport", "weir") => settings with { Kestrel = false },
                ("--transport", "kestrel") => settings with { Kestrel = true },
                ("--cert", _) => settings with { Tls = true, CertificatePath = value },
                ("--cert-password", _) => settings with { CertificatePassword = value },
                ("--accept-sockets", _) when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1 =>
                    settings with { AcceptSockets = count },
                ("--event-loops", _) when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var loops) =>
                    settings with { EventLoops = loops },
                _ => null,
            };
            if (next is null)
            {
                return null;
            }

            // Options with a value skip it.
            i += args[i] is "--tls" or "--proxy-protocol" or "--reuse-port" or "--inline" or "--app-on-thread-pool" ? 0 : 1;
            settings = next;
        }

        // The sharding and event-loop options are Weir's transport's own; Kestrel's has none.
        var shardingOnKestrel = settings.Kestrel && (settings.AcceptSockets != 1 || settings.ReusePort || settings.AppOnThreadPool || settings.EventLoops is not null);
        return (settings.CertificatePassword is not null && settings.CertificatePath is null) || shardingOnKestrel ? null : settings;
    }
}
