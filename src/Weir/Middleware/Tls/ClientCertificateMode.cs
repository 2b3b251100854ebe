namespace Weir.Middleware.Tls;

/// <summary>Whether a TLS server asks its clients for a certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate is asked for.</summary>
    NoCertificate,

    /// <summary>A certificate is asked for; a client without one is still accepted, a client with an invalid one is not.</summary>
    AllowCertificate,

    /// <summary>A valid certificate is required; a client without one fails the handshake.</summary>
    RequireCertificate,
}
