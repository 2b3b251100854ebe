namespace Weir.Middleware.Tls;

/// <summary>
/// The application protocol negotiated by ALPN. Weir's own, for the reason given on <see cref="ITlsConnectionFeature"/>.
/// </summary>
public interface ITlsApplicationProtocolFeature
{
    /// <summary>Gets the negotiated protocol (e.g. <c>h2</c>), or empty when ALPN chose none.</summary>
    ReadOnlyMemory<byte> ApplicationProtocol { get; }
}
