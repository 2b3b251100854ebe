using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;

namespace Weir.Middleware.Tls;

// ITlsHandshakeFeature still declares the algorithm properties that SslStream has made obsolete.
#pragma warning disable SYSLIB0058

/// <summary>What the handshake settled, captured when it finished so it outlives the <see cref="SslStream"/>.</summary>
internal sealed class TlsConnectionFeature : ITlsHandshakeFeature, ITlsConnectionFeature, ITlsApplicationProtocolFeature
{
    public TlsConnectionFeature(SslStream stream)
    {
        Protocol = stream.SslProtocol;
        NegotiatedCipherSuite = stream.NegotiatedCipherSuite;
        HostName = stream.TargetHostName;
        ApplicationProtocol = stream.NegotiatedApplicationProtocol.Protocol;
        RemoteCertificate = stream.RemoteCertificate as X509Certificate2;

        CipherAlgorithm = stream.CipherAlgorithm;
        CipherStrength = stream.CipherStrength;
        HashAlgorithm = stream.HashAlgorithm;
        HashStrength = stream.HashStrength;
        KeyExchangeAlgorithm = stream.KeyExchangeAlgorithm;
        KeyExchangeStrength = stream.KeyExchangeStrength;
    }

    public SslProtocols Protocol { get; }

    public TlsCipherSuite? NegotiatedCipherSuite { get; }

    public string HostName { get; }

    public CipherAlgorithmType CipherAlgorithm { get; }

    public int CipherStrength { get; }

    public HashAlgorithmType HashAlgorithm { get; }

    public int HashStrength { get; }

    public ExchangeAlgorithmType KeyExchangeAlgorithm { get; }

    public int KeyExchangeStrength { get; }

    public ReadOnlyMemory<byte> ApplicationProtocol { get; }

    public X509Certificate2? RemoteCertificate { get; }
}
#pragma warning restore SYSLIB0058
