using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>Self-signed certificates made at test time.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 CreateServer(string hostName = "localhost") =>
        Create($"CN={hostName}", hostName, new Oid("1.3.6.1.5.5.7.3.1"));

    public static X509Certificate2 CreateClient(string name = "weir-client") =>
        Create($"CN={name}", null, new Oid("1.3.6.1.5.5.7.3.2"));

    private static X509Certificate2 Create(string subject, string? dnsName, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (dnsName is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // A round trip through PKCS#12 gives a key the TLS stack can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
