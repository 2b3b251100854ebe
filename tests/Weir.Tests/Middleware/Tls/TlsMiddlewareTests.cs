using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Weir.Diagnostics;
using Weir.Middleware.Tls;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Tls;

public sealed class TlsMiddlewareTests
{
    [Fact]
    public async Task WeirsClientAndServerExchangeBytesAndHalfCloseOverTls()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var server = new ConnectionBuilder(services).UseServerTls(certificate).Run(PipelineEcho.EchoAsync).Build();
        string? echoed = null;
        var client = new ConnectionBuilder(services)
            .UseClientTls(TlsTestPipelines.TrustOnly(certificate))
            .Run(async c => echoed = await TlsTestPipelines.SendAndReadToEndAsync(c, "hello over tls"))
            .Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        Assert.Equal("hello over tls", echoed);
    }

    [Fact]
    public async Task BothSidesSeeTheNegotiatedProtocolAlpnAndPeer()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        using var clientCertificate = TestCertificates.CreateClient();
        var serverOptions = new ServerTlsOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (c, _, _) => c.Thumbprint == clientCertificate.Thumbprint,
        };
        serverOptions.ApplicationProtocols.Add(new SslApplicationProtocol("other/2"));
        serverOptions.ApplicationProtocols.Add(TlsTestPipelines.WeirProtocol);
        ITlsHandshakeFeature? serverHandshake = null;
        ITlsConnectionFeature? serverPeer = null;
        ITlsApplicationProtocolFeature? serverAlpn = null;
        ITlsConnectionFeature? clientPeer = null;
        var server = new ConnectionBuilder(services).UseServerTls(serverOptions).Run(c =>
        {
            serverHandshake = c.Features.Get<ITlsHandshakeFeature>();
            serverPeer = c.Features.Get<ITlsConnectionFeature>();
            serverAlpn = c.Features.Get<ITlsApplicationProtocolFeature>();
            return PipelineEcho.EchoAsync(c);
        }).Build();
        var clientOptions = TlsTestPipelines.TrustOnly(certificate);
        clientOptions.ClientCertificate = clientCertificate;
        var client = new ConnectionBuilder(services).UseClientTls(clientOptions).Run(async c =>
        {
            clientPeer = c.Features.Get<ITlsConnectionFeature>();
            await TlsTestPipelines.SendAndReadToEndAsync(c, "x");
        }).Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        Assert.NotNull(serverHandshake);
        Assert.True(serverHandshake.Protocol is SslProtocols.Tls13 or SslProtocols.Tls12);
        Assert.NotNull(serverHandshake.NegotiatedCipherSuite);
        Assert.Equal("localhost", serverHandshake.HostName);
        Assert.Equal("weir/1", Encoding.ASCII.GetString(serverAlpn!.ApplicationProtocol.Span));
        Assert.Equal(clientCertificate.Thumbprint, serverPeer!.RemoteCertificate?.Thumbprint);
        Assert.Equal(certificate.Thumbprint, clientPeer!.RemoteCertificate?.Thumbprint);
    }

    [Fact]
    public async Task AGarbageHandshakeClosesThatConnectionWithALoggedReason()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        using var durations = new MetricCollector<double>(services.GetRequiredService<IMeterFactory>(), WeirMetrics.MeterName, "weir.tls_handshake.duration");
        var handled = false;
        var server = new ConnectionBuilder(services).UseServerTls(certificate).Run(_ =>
        {
            handled = true;
            return Task.CompletedTask;
        }).Build();
        var connection = new TestConnection();

        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await server(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(handled);
        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 211 && r.Exception is not null);
        await connection.ReceiveToEndAsync();
        var measurement = Assert.Single(durations.GetMeasurementSnapshot());
        Assert.True(measurement.Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task APeerThatClosesMidHandshakeIsAFailedHandshake()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var server = new ConnectionBuilder(services).UseServerTls(certificate).Run(PipelineEcho.EchoAsync).Build();
        var connection = new TestConnection();

        await connection.SendAsync([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
        await connection.Peer.Output.CompleteAsync();
        await server(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, connection.CloseReason.Reason);
    }

    [Fact]
    public async Task AHandshakeThatDoesNotFinishInTimeIsClosedAsATimeout()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var time = new FakeTimeProvider();
        var server = new ConnectionBuilder(services)
            .UseServerTls(new ServerTlsOptions { ServerCertificate = certificate, HandshakeTimeout = TimeSpan.FromSeconds(4) }, time)
            .Run(PipelineEcho.EchoAsync).Build();
        var connection = new TestConnection();

        var running = server(connection);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionCloseReason.Timeout, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 212);
    }

    [Fact]
    public async Task HandshakesAreMeasuredWithTheirProtocolVersion()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var durations = new MetricCollector<double>(meters, WeirMetrics.MeterName, "weir.tls_handshake.duration");
        using var active = new MetricCollector<long>(meters, WeirMetrics.MeterName, "weir.active_tls_handshakes");
        var server = new ConnectionBuilder(services).UseServerTls(certificate).Run(PipelineEcho.EchoAsync).Build();
        var client = new ConnectionBuilder(services).UseClientTls(TlsTestPipelines.TrustOnly(certificate))
            .Run(c => TlsTestPipelines.SendAndReadToEndAsync(c, "x")).Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        // Both ends share the services here, so the client's handshake is measured alongside the server's.
        var handshakes = durations.GetMeasurementSnapshot();
        Assert.Equal(2, handshakes.Count);
        Assert.All(handshakes, m => Assert.True(m.Tags["tls.protocol.version"] is "1.2" or "1.3"));
        Assert.Equal(4, active.GetMeasurementSnapshot().Count);
        Assert.Equal(0, active.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task ARequiredClientCertificateThatIsMissingFailsTheHandshake()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var serverConnection = (TestConnection?)null;
        var server = new ConnectionBuilder(services)
            .UseServerTls(new ServerTlsOptions { ServerCertificate = certificate, ClientCertificateMode = ClientCertificateMode.RequireCertificate })
            .Run(PipelineEcho.EchoAsync).Build();
        var (clientConnection, connection) = TestConnection.CreatePair();
        serverConnection = connection;
        var client = new ConnectionBuilder(services).UseClientTls(TlsTestPipelines.TrustOnly(certificate))
            .Run(c => TlsTestPipelines.SendAndReadToEndAsync(c, "x")).Build();

        var serving = Task.Run(() => server(serverConnection), TestContext.Current.CancellationToken);
        var connecting = Task.Run(async () =>
        {
            try
            {
                await client(clientConnection);
            }
            catch (Exception exception) when (exception is ConnectionAbortedException or IOException or InvalidOperationException)
            {
                // With TLS 1.3 the client finishes first and learns of the refusal only when it reads.
            }
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(serving, connecting).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, serverConnection.CloseReason.Reason);
    }

    [Fact]
    public async Task AnAllowedClientCertificateMayBeAbsent()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var sawCertificate = true;
        var server = new ConnectionBuilder(services)
            .UseServerTls(new ServerTlsOptions { ServerCertificate = certificate, ClientCertificateMode = ClientCertificateMode.AllowCertificate })
            .Run(c =>
            {
                sawCertificate = c.Features.Get<ITlsConnectionFeature>()!.RemoteCertificate is not null;
                return PipelineEcho.EchoAsync(c);
            }).Build();
        string? echoed = null;
        var client = new ConnectionBuilder(services).UseClientTls(TlsTestPipelines.TrustOnly(certificate))
            .Run(async c => echoed = await TlsTestPipelines.SendAndReadToEndAsync(c, "no cert")).Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        Assert.Equal("no cert", echoed);
        Assert.False(sawCertificate);
    }

    [Fact]
    public async Task AClientThatDistrustsTheServerThrowsFromItsPipeline()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var server = new ConnectionBuilder(services).UseServerTls(certificate).Run(PipelineEcho.EchoAsync).Build();
        var client = new ConnectionBuilder(services).UseClientTls(o => o.TargetHost = "localhost").Run(_ => Task.CompletedTask).Build();
        var (clientConnection, serverConnection) = TestConnection.CreatePair();

        var serving = Task.Run(() => server(serverConnection), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<ConnectionAbortedException>(() => client(clientConnection));
        await serving.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.IsType<AuthenticationException>(error.InnerException);
        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, clientConnection.CloseReason.Reason);
    }

    [Fact]
    public async Task TheSelectorPicksTheCertificateForTheRequestedHostName()
    {
        await using var services = TestServices.Create();
        using var alpha = TestCertificates.CreateServer("alpha.test");
        using var beta = TestCertificates.CreateServer("beta.test");
        var server = new ConnectionBuilder(services)
            .UseServerTls(o => o.ServerCertificateSelector = (_, host) => host == "beta.test" ? beta : alpha)
            .Run(PipelineEcho.EchoAsync).Build();
        string? presented = null;
        var client = new ConnectionBuilder(services).UseClientTls(new ClientTlsOptions
        {
            TargetHost = "beta.test",
            ServerCertificateValidation = (c, _, _) =>
            {
                presented = c.Subject;
                return true;
            },
        }).Run(c => TlsTestPipelines.SendAndReadToEndAsync(c, "x")).Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        Assert.Equal("CN=beta.test", presented);
    }

    [Fact]
    public async Task ASelectorWithNoCertificateForTheHostFailsThatHandshake()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var server = new ConnectionBuilder(services)
            .UseServerTls(o => o.ServerCertificateSelector = (_, host) => host == "known.test" ? certificate : null)
            .Run(PipelineEcho.EchoAsync).Build();
        var client = new ConnectionBuilder(services)
            .UseClientTls(TlsTestPipelines.TrustOnly(certificate, targetHost: "unknown.test"))
            .Run(_ => Task.CompletedTask).Build();
        var (clientConnection, serverConnection) = TestConnection.CreatePair();

        var serving = Task.Run(() => server(serverConnection), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ConnectionAbortedException>(() => client(clientConnection));
        await serving.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, serverConnection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 211 && r.Exception!.Message.Contains("unknown.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientCertificateTheValidationRejectsFailsTheHandshake()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        using var clientCertificate = TestCertificates.CreateClient();
        string? judged = null;
        var server = new ConnectionBuilder(services).UseServerTls(new ServerTlsOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (c, _, _) =>
            {
                judged = c.Thumbprint;
                return false;
            },
        }).Run(PipelineEcho.EchoAsync).Build();
        var clientOptions = TlsTestPipelines.TrustOnly(certificate);
        clientOptions.ClientCertificate = clientCertificate;
        var client = new ConnectionBuilder(services).UseClientTls(clientOptions).Run(c => TlsTestPipelines.SendAndReadToEndAsync(c, "x")).Build();
        var (clientConnection, serverConnection) = TestConnection.CreatePair();

        var serving = Task.Run(() => server(serverConnection), TestContext.Current.CancellationToken);
        var connecting = Task.Run(async () =>
        {
            try
            {
                await client(clientConnection);
            }
            catch (Exception exception) when (exception is ConnectionAbortedException or IOException or InvalidOperationException)
            {
                // With TLS 1.3 the client finishes first and learns of the refusal only when it reads.
            }
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(serving, connecting).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(clientCertificate.Thumbprint, judged);
        Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, serverConnection.CloseReason.Reason);
    }

    [Fact]
    public async Task TheCertificateCanComeFromAPfxFile()
    {
        using var directory = new TempDirectory();
        using var certificate = TestCertificates.CreateServer();
        var path = directory.File("server.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "secret"), TestContext.Current.CancellationToken);

        await AssertServesAsync(b => b.UseServerTls(path, "secret"), certificate);
    }

    [Fact]
    public async Task TheCertificateCanComeFromPemFiles()
    {
        using var directory = new TempDirectory();
        using var certificate = TestCertificates.CreateServer();
        var certificatePath = directory.File("server.crt");
        var keyPath = directory.File("server.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);

        await AssertServesAsync(b => b.UseServerTls(new ServerTlsOptions { CertificatePath = certificatePath, CertificateKeyPath = keyPath }), certificate);
    }

    [Fact]
    public void WithoutACertificateBuildingThePipelineThrowsNamingTheSettings()
    {
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<InvalidOperationException>(() => builder.UseServerTls(new ServerTlsOptions()));

        Assert.Contains("ServerCertificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("CertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingCertificateFileThrowsNamingTheSetting()
    {
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<FileNotFoundException>(
            () => builder.UseServerTls(new ServerTlsOptions { CertificatePath = "/nonexistent/weir/server.pfx" }));

        Assert.Contains("CertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateWithoutAPrivateKeyThrowsNamingTheSetting()
    {
        using var certificate = TestCertificates.CreateServer();
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<InvalidOperationException>(() => builder.UseServerTls(publicOnly));

        Assert.Contains("private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHandshakeTimeoutThatIsNotPositiveThrowsNamingTheSetting()
    {
        using var certificate = TestCertificates.CreateServer();
        var builder = new ConnectionBuilder(TestServices.Create());

        var server = Assert.Throws<ArgumentOutOfRangeException>(
            () => builder.UseServerTls(new ServerTlsOptions { ServerCertificate = certificate, HandshakeTimeout = TimeSpan.Zero }));
        var client = Assert.Throws<ArgumentOutOfRangeException>(
            () => builder.UseClientTls(new ClientTlsOptions { HandshakeTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("ServerTlsOptions.HandshakeTimeout", server.Message, StringComparison.Ordinal);
        Assert.Contains("ClientTlsOptions.HandshakeTimeout", client.Message, StringComparison.Ordinal);
    }

    private static async Task AssertServesAsync(Action<IConnectionBuilder> useTls, X509Certificate2 expected)
    {
        await using var services = TestServices.Create();
        var builder = new ConnectionBuilder(services);
        useTls(builder);
        var server = builder.Run(PipelineEcho.EchoAsync).Build();
        string? echoed = null;
        var client = new ConnectionBuilder(services).UseClientTls(TlsTestPipelines.TrustOnly(expected))
            .Run(async c => echoed = await TlsTestPipelines.SendAndReadToEndAsync(c, "from a file")).Build();

        await TlsTestPipelines.RunPairAsync(server, client);

        Assert.Equal("from a file", echoed);
    }
}
