using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Middleware.Tls;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Tls;

/// <summary>Client and server pipelines for TLS tests, and the pieces they share.</summary>
internal static class TlsTestPipelines
{
    public static readonly SslApplicationProtocol WeirProtocol = new("weir/1");

    /// <summary>Client options that trust exactly <paramref name="server"/>, by thumbprint.</summary>
    public static ClientTlsOptions TrustOnly(X509Certificate2 server, string targetHost = "localhost")
    {
        var options = new ClientTlsOptions
        {
            TargetHost = targetHost,
            ServerCertificateValidation = (certificate, _, _) => certificate.Thumbprint == server.Thumbprint,
        };
        options.ApplicationProtocols.Add(WeirProtocol);
        return options;
    }

    /// <summary>Sends <paramref name="text"/>, half-closes, and reads what comes back until the server closes.</summary>
    public static async Task<string> SendAndReadToEndAsync(ConnectionContext connection, string text)
    {
        await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(text));
        await connection.Transport.Output.CompleteAsync();
        using var received = new MemoryStream();
        await connection.Transport.Input.CopyToAsync(received);
        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>Runs a client and a server pipeline over a pair of in-process connections, failing if either hangs.</summary>
    public static async Task RunPairAsync(ConnectionDelegate server, ConnectionDelegate client)
    {
        var (clientConnection, serverConnection) = TestConnection.CreatePair();
        var serving = Task.Run(() => server(serverConnection), TestContext.Current.CancellationToken);
        var connecting = Task.Run(() => client(clientConnection), TestContext.Current.CancellationToken);
        await Task.WhenAll(serving, connecting).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
    }
}
