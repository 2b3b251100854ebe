using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;

namespace Weir.Middleware.Tls;

/// <summary>
/// Options of the server TLS middleware (<c>UseServerTls</c>). Exactly one certificate source is needed:
/// <see cref="ServerCertificate"/>, <see cref="CertificatePath"/> or <see cref="ServerCertificateSelector"/>.
/// </summary>
public sealed class ServerTlsOptions
{
    /// <summary>Gets or sets the server certificate, with its private key.</summary>
    /// <remarks>Defaults to <see langword="null"/>.</remarks>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Gets or sets the path of the server certificate: a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) or a PEM file.</summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>. The file is read once, when the pipeline is built. A PEM file may carry
    /// the chain after the leaf certificate; its key is read from <see cref="CertificateKeyPath"/>, or from the same
    /// file when that is not set.
    /// </remarks>
    public string? CertificatePath { get; set; }

    /// <summary>Gets or sets the path of the PEM private key that goes with a PEM <see cref="CertificatePath"/>.</summary>
    /// <remarks>Defaults to <see langword="null"/> (the key is in the certificate file).</remarks>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Gets or sets the password of a PKCS#12 file or of an encrypted PEM key.</summary>
    /// <remarks>Defaults to <see langword="null"/>.</remarks>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Gets or sets a callback that picks the certificate for each connection from the host name the client asked
    /// for (SNI; <see langword="null"/> when it sent none). Returning <see langword="null"/> fails the handshake.
    /// </summary>
    /// <remarks>Defaults to <see langword="null"/>. Takes precedence over the other certificate sources.</remarks>
    public Func<ConnectionContext, string?, X509Certificate2?>? ServerCertificateSelector { get; set; }

    /// <summary>Gets the application protocols offered by ALPN, in order of preference (e.g. <see cref="SslApplicationProtocol.Http2"/>).</summary>
    /// <remarks>Defaults to empty: no ALPN.</remarks>
    public IList<SslApplicationProtocol> ApplicationProtocols { get; } = [];

    /// <summary>Gets or sets whether clients are asked for a certificate.</summary>
    /// <remarks>Defaults to <see cref="Tls.ClientCertificateMode.NoCertificate"/>.</remarks>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>
    /// Gets or sets the check of a client certificate: given the certificate, its chain and the platform's verdict,
    /// it returns whether to accept it.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>: a certificate is accepted only when the platform finds no error, which
    /// needs a chain to a trusted root.
    /// </remarks>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ClientCertificateValidation { get; set; }

    /// <summary>Gets or sets the TLS versions allowed.</summary>
    /// <remarks>Defaults to <see cref="SslProtocols.None"/>: the operating system's choice, which excludes obsolete versions.</remarks>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    /// <summary>Gets or sets whether client certificates are checked for revocation.</summary>
    /// <remarks>Defaults to <see langword="false"/>; checking may reach the network during the handshake.</remarks>
    public bool CheckCertificateRevocation { get; set; }

    /// <summary>Gets or sets how long a client may take to complete the handshake.</summary>
    /// <remarks>
    /// Defaults to 10 seconds. A client that takes longer is closed as a timeout; without a limit, a peer that opens
    /// connections and sends nothing would hold them forever.
    /// </remarks>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
