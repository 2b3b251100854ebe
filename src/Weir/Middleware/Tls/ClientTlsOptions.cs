using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Weir.Middleware.Tls;

/// <summary>Options of the client TLS middleware (<c>UseClientTls</c>).</summary>
public sealed class ClientTlsOptions
{
    /// <summary>Gets or sets the server's host name: sent as SNI and checked against the server's certificate.</summary>
    /// <remarks>Defaults to <see langword="null"/>: no SNI, and the default validation then fails on the name.</remarks>
    public string? TargetHost { get; set; }

    /// <summary>Gets the application protocols offered by ALPN, in order of preference.</summary>
    /// <remarks>Defaults to empty: no ALPN.</remarks>
    public IList<SslApplicationProtocol> ApplicationProtocols { get; } = [];

    /// <summary>Gets or sets the certificate to present when the server asks for one.</summary>
    /// <remarks>Defaults to <see langword="null"/>.</remarks>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Gets or sets the check of the server's certificate, given its chain and the platform's verdict.</summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>: the certificate is accepted only when the platform finds no error (a
    /// trusted chain and a matching <see cref="TargetHost"/>).
    /// </remarks>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ServerCertificateValidation { get; set; }

    /// <summary>Gets or sets the TLS versions allowed.</summary>
    /// <remarks>Defaults to <see cref="SslProtocols.None"/>: the operating system's choice.</remarks>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    /// <summary>Gets or sets whether the server's certificate is checked for revocation.</summary>
    /// <remarks>Defaults to <see langword="false"/>.</remarks>
    public bool CheckCertificateRevocation { get; set; }

    /// <summary>Gets or sets how long the handshake may take.</summary>
    /// <remarks>Defaults to 10 seconds; the connection is closed as a timeout after it.</remarks>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
