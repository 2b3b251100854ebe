using EchoServer;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weir;
using Weir.Middleware.ProxyProtocol;
using Weir.Middleware.Tls;
using Weir.Samples;
using KestrelSocketOptions = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions;

var settings = CommandLine.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

var connections = new ConnectionCounter();
await using var services = new ServiceCollection()
    .AddLogging(logging => logging
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
        .SetMinimumLevel(LogLevel.Warning))
    .AddSingleton(connections)
    .BuildServiceProvider();
using var certificate = settings is { Tls: true, CertificatePath: null } ? SelfSignedCertificate.CreateForLocalhost() : null;

// One server, one handler; only the transport under them differs.
var builder = new ServerBuilder(services);
if (settings.Kestrel)
{
    var kestrelOptions = new KestrelSocketOptions { UnsafePreferInlineScheduling = settings.Inline };
    var kestrel = new SocketTransportFactory(Options.Create(kestrelOptions), services.GetRequiredService<ILoggerFactory>());
    builder.UseTransport(kestrel, Listen);
}
else
{
    builder.UseSockets(
        options =>
        {
            options.AcceptSocketCount = settings.AcceptSockets;
            options.ReusePort = settings.ReusePort;
            options.UnsafePreferInlineScheduling = settings.Inline;
            options.RunApplicationOnEventLoop = !settings.AppOnThreadPool;
            options.EventLoopCount = settings.EventLoops ?? options.EventLoopCount;
        },
        Listen);
}

await using var server = builder.Build();
var commands = new ConsoleCommands(connections);
commands.Start();
await SampleHost.RunUntilStoppedAsync(server);
SampleHost.Print(commands.Stats());
return 0;

void Listen(TransportListenBuilder listen)
{
    if (settings.UnixPath is { } path)
    {
        listen.ListenUnixSocket(path, Pipeline);
    }
    else
    {
        listen.ListenLocalhost(settings.Port, Pipeline);
    }
}

void Pipeline(IConnectionBuilder connection)
{
    if (settings.ProxyProtocol)
    {
        connection.UseProxyProtocol().Use(next => context =>
        {
            SampleHost.Print($"connection from {context.RemoteEndPoint}");
            return next(context);
        });
    }

    if (certificate is not null)
    {
        connection.UseServerTls(certificate);
    }
    else if (settings.CertificatePath is { } file)
    {
        connection.UseServerTls(file, settings.CertificatePassword);
    }

    connection.UseConnectionHandler<EchoHandler>();
}
