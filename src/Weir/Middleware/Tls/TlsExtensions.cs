using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Middleware.Tls;

/// <summary>Adds TLS (server or client side) to a connection pipeline.</summary>
public static class TlsExtensions
{
    private const string LoggerCategory = "Weir.Middleware.Tls.Tls";

    /// <summary>
    /// Runs a TLS server handshake on each connection, then the rest of the pipeline over the decrypted stream, with
    /// <see cref="Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature"/>, <see cref="ITlsConnectionFeature"/>
    /// and <see cref="ITlsApplicationProtocolFeature"/> set. A failed, garbled or late handshake closes that
    /// connection, reported as <see cref="ConnectionCloseReason.TlsHandshakeFailed"/> (or
    /// <see cref="ConnectionCloseReason.Timeout"/>) and logged. Completing the decrypted output sends close_notify and
    /// then FIN.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="options">The options; the certificate is resolved now.</param>
    /// <param name="timeProvider">The clock for the handshake timeout. Defaults to <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="InvalidOperationException">No certificate is configured, or it has no private key.</exception>
    /// <exception cref="FileNotFoundException"><see cref="ServerTlsOptions.CertificatePath"/> does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ServerTlsOptions.HandshakeTimeout"/> is not positive.</exception>
    public static IConnectionBuilder UseServerTls(this IConnectionBuilder builder, ServerTlsOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        CheckTimeout(options.HandshakeTimeout, "UseServerTls: ServerTlsOptions.HandshakeTimeout");
        var certificate = ServerCertificateLoader.Load(options);
        var handshake = CreateHandshake(builder, options.HandshakeTimeout, timeProvider);
        return builder.Use(next => new ServerTlsMiddleware(next, options, certificate, handshake).OnConnectionAsync);
    }

    /// <summary>Runs TLS server handshakes with options set by <paramref name="configure"/>; see <see cref="UseServerTls(IConnectionBuilder, ServerTlsOptions, TimeProvider?)"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the options; a certificate source is required.</param>
    public static IConnectionBuilder UseServerTls(this IConnectionBuilder builder, Action<ServerTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ServerTlsOptions();
        configure(options);
        return builder.UseServerTls(options);
    }

    /// <summary>Runs TLS server handshakes with <paramref name="certificate"/> and the default options.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="certificate">The server certificate, with its private key.</param>
    public static IConnectionBuilder UseServerTls(this IConnectionBuilder builder, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return builder.UseServerTls(new ServerTlsOptions { ServerCertificate = certificate });
    }

    /// <summary>Runs TLS server handshakes with the certificate in a file and the default options.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="certificatePath">A PKCS#12 file, or a PEM file holding the certificate and its key; see <see cref="ServerTlsOptions.CertificatePath"/>.</param>
    /// <param name="password">The PKCS#12 password or the encrypted PEM key's, if any.</param>
    public static IConnectionBuilder UseServerTls(this IConnectionBuilder builder, string certificatePath, string? password = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        return builder.UseServerTls(new ServerTlsOptions { CertificatePath = certificatePath, CertificatePassword = password });
    }

    /// <summary>
    /// Runs a TLS client handshake on each connection, then the rest of the pipeline over the decrypted stream, with
    /// the same features as the server side. A failed handshake closes the connection, is reported and logged, and
    /// throws a <see cref="ConnectionAbortedException"/> out of the pipeline, so whoever connects learns why.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock for the handshake timeout. Defaults to <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ClientTlsOptions.HandshakeTimeout"/> is not positive.</exception>
    public static IConnectionBuilder UseClientTls(this IConnectionBuilder builder, ClientTlsOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        CheckTimeout(options.HandshakeTimeout, "UseClientTls: ClientTlsOptions.HandshakeTimeout");
        var handshake = CreateHandshake(builder, options.HandshakeTimeout, timeProvider);
        return builder.Use(next => new ClientTlsMiddleware(next, options, handshake).OnConnectionAsync);
    }

    /// <summary>Runs TLS client handshakes with options set by <paramref name="configure"/>; see <see cref="UseClientTls(IConnectionBuilder, ClientTlsOptions, TimeProvider?)"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the options.</param>
    public static IConnectionBuilder UseClientTls(this IConnectionBuilder builder, Action<ClientTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ClientTlsOptions();
        configure(options);
        return builder.UseClientTls(options);
    }

    private static TlsHandshake CreateHandshake(IConnectionBuilder builder, TimeSpan timeout, TimeProvider? timeProvider) =>
        new(timeout, timeProvider ?? TimeProvider.System, MiddlewareServices.CreateLogger(builder, LoggerCategory),
            WeirMetrics.FromServices(builder.ApplicationServices));

    private static void CheckTimeout(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"{name} must be positive (or infinite).");
        }
    }
}
