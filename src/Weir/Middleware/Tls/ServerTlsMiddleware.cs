using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;

namespace Weir.Middleware.Tls;

/// <summary>Authenticates as the server, then runs the rest of the pipeline over the decrypted stream.</summary>
internal sealed class ServerTlsMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly TlsHandshake _handshake;
    private readonly SslServerAuthenticationOptions _sharedOptions;
    private readonly Func<ConnectionContext, string?, X509Certificate2?>? _selector;

    // A context holds the certificate's built chain; building it on every handshake would be wasted work.
    private readonly ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> _selectedContexts = [];

    public ServerTlsMiddleware(ConnectionDelegate next, ServerTlsOptions options, SslStreamCertificateContext? certificate, TlsHandshake handshake)
    {
        _next = next;
        _handshake = handshake;
        _selector = options.ServerCertificateSelector;
        _sharedOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            ApplicationProtocols = options.ApplicationProtocols.Count > 0 ? [.. options.ApplicationProtocols] : null,
            ClientCertificateRequired = options.ClientCertificateMode != ClientCertificateMode.NoCertificate,
            EnabledSslProtocols = options.EnabledProtocols,
            CertificateRevocationCheckMode = options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = CertificateChecks.ForClient(options.ClientCertificateMode, options.ClientCertificateValidation),
        };
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var transport = connection.Transport;
        var stream = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: true);
        Exception? failure;
        if (_selector is null)
        {
            failure = await _handshake.RunAsync(
                connection, stream, _sharedOptions,
                static (ssl, options, token) => ssl.AuthenticateAsServerAsync(options, token)).ConfigureAwait(false);
        }
        else
        {
            failure = await _handshake.RunAsync(
                connection, stream, (Middleware: this, Connection: connection),
                static (ssl, state, token) => ssl.AuthenticateAsServerAsync(state.Middleware.SelectOptions, state.Connection, token)).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            await ConnectionClose.CompleteTransportAsync(connection).ConfigureAwait(false);
            return;
        }

        await TlsSession.RunAsync(connection, stream, transport, _next).ConfigureAwait(false);
    }

    private ValueTask<SslServerAuthenticationOptions> SelectOptions(
        SslStream stream, SslClientHelloInfo clientHello, object? state, CancellationToken cancellationToken)
    {
        var hostName = string.IsNullOrEmpty(clientHello.ServerName) ? null : clientHello.ServerName;
        var certificate = _selector!((ConnectionContext)state!, hostName)
            ?? throw new AuthenticationException($"ServerTlsOptions.ServerCertificateSelector returned no certificate for '{hostName}'.");
        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _selectedContexts.GetValue(
                certificate, static c => SslStreamCertificateContext.Create(c, additionalCertificates: null, offline: true)),
            ApplicationProtocols = _sharedOptions.ApplicationProtocols,
            ClientCertificateRequired = _sharedOptions.ClientCertificateRequired,
            EnabledSslProtocols = _sharedOptions.EnabledSslProtocols,
            CertificateRevocationCheckMode = _sharedOptions.CertificateRevocationCheckMode,
            RemoteCertificateValidationCallback = _sharedOptions.RemoteCertificateValidationCallback,
        });
    }
}
