using System.Security.Cryptography.X509Certificates;

namespace Weir.Middleware.Tls;

/// <summary>
/// The peer's certificate on a connection secured by Weir's TLS middleware. Weir's own: ASP.NET Core's
/// <c>ITlsConnectionFeature</c> lives in <c>Microsoft.AspNetCore.Http.Features</c>, which a transport does not reference.
/// </summary>
public interface ITlsConnectionFeature
{
    /// <summary>Gets the peer's certificate: the client's on a server connection, the server's on a client connection.</summary>
    X509Certificate2? RemoteCertificate { get; }
}
