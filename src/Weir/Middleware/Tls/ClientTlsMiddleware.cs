using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;

namespace Weir.Middleware.Tls;

/// <summary>Authenticates as the client, then runs the rest of the pipeline over the decrypted stream.</summary>
internal sealed class ClientTlsMiddleware(ConnectionDelegate next, ClientTlsOptions options, TlsHandshake handshake)
{
    private readonly SslClientAuthenticationOptions _options = new()
    {
        TargetHost = options.TargetHost,
        ApplicationProtocols = options.ApplicationProtocols.Count > 0 ? [.. options.ApplicationProtocols] : null,
        ClientCertificates = options.ClientCertificate is null ? null : [options.ClientCertificate],
        EnabledSslProtocols = options.EnabledProtocols,
        CertificateRevocationCheckMode = options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = CertificateChecks.ForServer(options.ServerCertificateValidation),
    };

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var transport = connection.Transport;
        var stream = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: true);
        var failure = await handshake.RunAsync(
            connection, stream, _options,
            static (ssl, options, token) => ssl.AuthenticateAsClientAsync(options, token)).ConfigureAwait(false);
        if (failure is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            await ConnectionClose.CompleteTransportAsync(connection).ConfigureAwait(false);
            throw new ConnectionAbortedException($"The TLS handshake with {connection.RemoteEndPoint} failed.", failure);
        }

        await TlsSession.RunAsync(connection, stream, transport, next).ConfigureAwait(false);
    }
}
